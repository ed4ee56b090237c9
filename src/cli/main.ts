import { Command, CommanderError, Option } from "commander";
import {
  COMPILER_VERSION,
  EXPORT_FORMATS,
  LAYOUTS,
  WEIGHT_FORMATS,
  type LayoutOption,
  type WeightFormat,
  type WriteDtype,
} from "../api/options.ts";
import type { DiagnosticFormat, EmitKind } from "./check.ts";
import type { ExportCommandOptions } from "./export.ts";
import { EXIT, processIo, type Io } from "./io.ts";
import type { LoadModelOptions } from "../api/model.ts";

/** Thrown by option parsers; main() prints it and exits 2. */
class UsageError extends Error {}

function positiveInteger(name: string) {
  return (text: string): number => {
    if (!/^[1-9]\d*$/.test(text))
      throw new UsageError(`${name} takes a positive integer, got "${text}"`);
    return Number(text);
  };
}

function unsigned32(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) >= 2 ** 32)
      throw new UsageError(`${name} takes an integer in [0, 2^32), got "${text}"`);
    return Number(text);
  };
}

function numberIn(name: string, ok: (n: number) => boolean, range: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !ok(n))
      throw new UsageError(`${name} takes a number ${range}, got "${text}"`);
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The options every command that runs a model shares: where its weights come from. */
function withWeights(command: Command): Command {
  return weightOptions(
    command.addOption(
      new Option("--backend <backend>", "where it runs")
        .choices(["webgpu", "cpu"])
        .default("webgpu"),
    ),
  );
}

/** Where a model's weights come from: a file and its layout, or the seeded initialiser. */
function weightOptions(command: Command): Command {
  return command
    .option(
      "--weights <file>",
      "safetensors weights (Loom, PyTorch or Hugging Face layout); ignored for a bundle",
    )
    .option(
      "--init-seed <n>",
      "without --weights: seeded initial weights",
      unsigned32("--init-seed"),
      0,
    )
    .addOption(
      new Option("--layout <layout>", "tensor naming of --weights")
        .choices(["auto", ...LAYOUTS])
        .default("auto"),
    )
    .option(
      "--weight-map <file>",
      "rules renaming and reshaping --weights' tensors (default: <spec>.weightmap.json beside the spec)",
    )
    .option("--model <name>", "which model, when the spec file defines several")
    .option(
      "--tokenizer <file>",
      "a Hugging Face tokenizer.json to use instead of the spec's or bundle's tokenizer",
    );
}

function weightSource(o: {
  backend: "webgpu" | "cpu";
  weights?: string;
  initSeed: number;
  layout: LayoutOption;
  weightMap?: string;
  model?: string;
  tokenizer?: string;
}): LoadModelOptions {
  return {
    backend: o.backend,
    initSeed: o.initSeed,
    layout: o.layout,
    ...(o.weights ? { weights: o.weights } : {}),
    ...(o.weightMap ? { weightMap: o.weightMap } : {}),
    ...(o.model ? { model: o.model } : {}),
    ...(o.tokenizer ? { tokenizer: o.tokenizer } : {}),
  };
}

/** `--emit ir|plan|ir-json|plan-json`: text, one line a node or step, or JSON for tools. */
function emitOption(what: string): Option {
  return new Option(
    "--emit <what>",
    `${what}, one line a node or step (ir-json, plan-json: as JSON)`,
  ).choices(["ir", "plan", "ir-json", "plan-json"] satisfies EmitKind[]);
}

/** Builds the `loom` command tree; each action stores its exit status in `status`. */
function program(io: Io, status: { code: number }): Command {
  const loom = new Command("loom")
    .description("Loom: transformer model specs, checked and compiled for WebGPU")
    .version(COMPILER_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run `loom help` for usage)");

  loom
    .command("check")
    .description(
      "parse, elaborate and shape-check spec files (directories are searched for .loom files)",
    )
    .argument("<files...>", "spec files or directories")
    .addOption(
      new Option("--format <format>", "diagnostic format")
        .choices(["pretty", "json", "github"])
        .default("pretty"),
    )
    .addOption(emitOption("print the typed IR or the kernel plan"))
    .option("--deny-warnings", "exit 1 when there are warnings")
    .option("--no-color", "never colour the output")
    .action(
      async (
        files: string[],
        o: { format: DiagnosticFormat; emit?: EmitKind; denyWarnings?: boolean; color: boolean },
      ) => {
        status.code = (await import("./check.ts")).runCheck(
          files,
          { ...o, color: o.color && (io.color?.stderr ?? false) },
          io,
        );
      },
    );

  loom
    .command("summary")
    .description(
      "parameters, FLOPs per token, weight, KV-cache and activation memory of each model",
    )
    .argument("<files...>", "spec files or directories")
    .option("--json", "print JSON instead of a table")
    .option(
      "--batch <n>",
      "sequences per batch for the memory figures",
      positiveInteger("--batch"),
      1,
    )
    .option(
      "--seq <n>",
      "positions per sequence (default: the sequence bound, at most 2048)",
      positiveInteger("--seq"),
    )
    .action(async (files: string[], o: { json?: boolean; batch: number; seq?: number }) => {
      status.code = (await import("./summary.ts")).runSummary(
        files,
        { json: Boolean(o.json), batch: o.batch, ...(o.seq ? { seq: o.seq } : {}) },
        io,
      );
    });

  loom
    .command("lsp")
    .description("serve the language server protocol on stdin/stdout, for editors")
    .option("--stdio", "talk over stdin and stdout (the default, and the only transport)")
    .action(async () => {
      await (await import("../lsp/stdio.ts")).serveStdio();
    });

  loom
    .command("fmt")
    .description(
      "format spec files in the canonical style (prints the result unless --check or --write)",
    )
    .argument("<files...>", "spec files or directories")
    .option("--check", "list files that are not formatted; exit 1 if any")
    .option("--write", "rewrite files that are not formatted (atomically, mode kept)")
    .action(async (files: string[], o: { check?: boolean; write?: boolean }) => {
      if (o.check && o.write) throw new UsageError("--check and --write cannot be used together");
      status.code = await (
        await import("./fmt.ts")
      ).runFmt(files, { check: Boolean(o.check), write: Boolean(o.write) }, io);
    });

  loom
    .command("import")
    .description(
      "write a checked, formatted spec from a Hugging Face config.json (GPT-2, BERT, T5, ViT, Llama, Mistral, Mixtral, GPT-NeoX, Phi)",
    )
    .argument("<config>", "the checkpoint's config.json, or the folder holding it")
    .option("-o, --out <file>", "write the spec to FILE (default: stdout)")
    .option("--force", "overwrite the output file if it exists")
    .option("--name <name>", "the model's name in the spec (default: from the config's file name)")
    .option(
      "--context <n>",
      "bound sequences at N positions (exact below a sliding window of N)",
      positiveInteger("--context"),
    )
    .action(
      async (
        config: string,
        o: { out?: string; force?: boolean; name?: string; context?: number },
      ) => {
        status.code = await (
          await import("./import.ts")
        ).runImport(
          config,
          {
            force: Boolean(o.force),
            ...(o.out !== undefined ? { out: o.out } : {}),
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.context !== undefined ? { context: o.context } : {}),
          },
          io,
        );
      },
    );

  const exportCommand = loom
    .command("export")
    .description(
      "write a model for other runtimes: a Hugging Face config.json + safetensors (GPT-2, BERT, T5, ViT, Llama, Mixtral), or ONNX",
    )
    .argument("<model>", "spec file or compiled bundle")
    .addOption(
      new Option("--format <format>", "what to write").choices([...EXPORT_FORMATS]).default("hf"),
    )
    .requiredOption(
      "-o, --out <path>",
      "the output (a directory for hf, a file for onnx), written atomically",
    )
    .addOption(
      new Option("--dtype <dtype>", "dtype of the written weights (hf; ONNX is float32)")
        .choices(["f32", "f16", "bf16"])
        .default("f32"),
    )
    .option("--force", "replace an earlier export at the output");
  weightOptions(exportCommand).action(
    async (model: string, o: Omit<ExportCommandOptions, "force"> & { force?: boolean }) => {
      status.code = await (
        await import("./export.ts")
      ).runExport(model, { ...o, force: Boolean(o.force) }, io);
    },
  );

  withWeights(
    loom
      .command("run")
      .description("one forward pass on WebGPU (or --backend cpu: the reference executor)")
      .argument("<model>", "spec file or compiled bundle"),
  )
    .option("--tokens <ids>", "comma-separated token ids for the first int input")
    .option("--text <text>", "text for the first int input, through the spec's tokenizer")
    .option(
      "--input <name=file.json>",
      "an input as JSON ({shape, data} or nested arrays); repeatable",
      collect,
      [],
    )
    .option(
      "--image <file.png>",
      "a PNG for the model's image input (ViT); values scaled to [0, 1]",
    )
    .option("-o, --out <file>", "write the outputs to FILE.json, or one output to FILE.npy")
    .option("--output <name>", "the output written to an .npy file (default: the first)")
    .option(
      "--max-batch <n>",
      "a spec's largest batch (default: its `batch <= N` bound, else 1); a bundle keeps its own",
      positiveInteger("--max-batch"),
    )
    .option("--verbose", "print where the time went (start, load, device, pipelines, forward)")
    .action(async (spec: string, o) => {
      status.code = await (
        await import("./run.ts")
      ).runForward(
        spec,
        {
          ...weightSource(o),
          inputs: o.input,
          ...(o.image !== undefined ? { image: o.image } : {}),
          ...(o.tokens !== undefined ? { tokens: o.tokens } : {}),
          ...(o.text !== undefined ? { text: o.text } : {}),
          ...(o.out !== undefined ? { out: o.out } : {}),
          ...(o.output !== undefined ? { output: o.output } : {}),
          ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
          ...(o.verbose ? { verbose: true } : {}),
        },
        io,
      );
    });

  withWeights(
    loom
      .command("generate")
      .description(
        "generate with a KV cache on WebGPU (or --backend cpu), streaming tokens as they come",
      )
      .argument("<model>", "spec file or compiled bundle"),
  )
    .option("--prompt <text>", "prompt text, through the spec's tokenizer")
    .option("--tokens <ids>", "prompt as comma-separated token ids")
    .option("--source <text>", "encoder-decoder models: the text the encoder reads")
    .option("--max-tokens <n>", "tokens to generate", positiveInteger("--max-tokens"), 64)
    .option(
      "--temperature <t>",
      "0 is greedy; above 0 samples",
      numberIn("--temperature", (n) => n >= 0, "≥ 0"),
      0,
    )
    .option(
      "--top-k <k>",
      "sample among the k likeliest tokens (0: all)",
      numberIn("--top-k", (n) => Number.isInteger(n) && n >= 0, "≥ 0, an integer"),
      0,
    )
    .option(
      "--top-p <p>",
      "sample among the likeliest tokens of total probability p",
      numberIn("--top-p", (n) => n > 0 && n <= 1, "in (0, 1]"),
      1,
    )
    .option("--seed <n>", "seed of the sampler", unsigned32("--seed"), 0)
    .option(
      "--stop <text>",
      "stop after this text (or #id for a token id); repeatable",
      collect,
      [],
    )
    .option("--ids", "print token ids instead of text")
    .option("--verbose", "print where the time went (start, load, device, pipelines, first token)")
    .action(async (spec: string, o) => {
      status.code = await (
        await import("./generate.ts")
      ).runGenerate(
        spec,
        {
          ...weightSource(o),
          ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
          ...(o.tokens !== undefined ? { tokens: o.tokens } : {}),
          ...(o.source !== undefined ? { source: o.source } : {}),
          maxTokens: o.maxTokens,
          temperature: o.temperature,
          topK: o.topK,
          topP: o.topP,
          seed: o.seed,
          stop: o.stop,
          ids: Boolean(o.ids),
          ...(o.verbose ? { verbose: true } : {}),
        },
        io,
      );
    });

  loom
    .command("compile")
    .description(
      "compile a spec to a self-contained bundle: fused WGSL kernels, kernel plan, weights",
    )
    .argument("<spec>", "spec file")
    .requiredOption("-o, --out <dir>", "the bundle directory to write (atomically)")
    .option(
      "--weights <file>",
      "safetensors weights (Loom, PyTorch or Hugging Face layout); default: seeded",
    )
    .option(
      "--init-seed <n>",
      "without --weights: seeded initial weights",
      unsigned32("--init-seed"),
      0,
    )
    .addOption(
      new Option("--layout <layout>", "tensor naming of --weights")
        .choices(["auto", ...LAYOUTS])
        .default("auto"),
    )
    .option(
      "--weight-map <file>",
      "rules renaming and reshaping --weights' tensors (default: <spec>.weightmap.json beside the spec)",
    )
    .option(
      "--device-profile <name|file.json>",
      "limits the kernels must fit (default: WebGPU's guaranteed limits)",
    )
    .option(
      "--max-batch <n>",
      "largest batch the bundle runs (default: the spec's `batch <= N` bound, else 1)",
      positiveInteger("--max-batch"),
    )
    .addOption(
      new Option(
        "--weight-format <format>",
        "how matmul weights and embedding tables are stored and read: f32, f16, q8 (int8 per row) or q4 (blocks of 32)",
      )
        .choices([...WEIGHT_FORMATS])
        .default("f32"),
    )
    .option("--force", "replace an existing bundle (a bundle or an empty folder only)")
    .option("--model <name>", "which model, when the spec file defines several")
    .addOption(
      emitOption("print the bundle's typed IR or kernel plan (the summary goes to stderr)"),
    )
    .action(async (spec: string, o) => {
      status.code = await (
        await import("./compile.ts")
      ).runCompile(
        spec,
        {
          out: o.out,
          initSeed: o.initSeed,
          layout: o.layout,
          force: Boolean(o.force),
          weightFormat: o.weightFormat as WeightFormat,
          ...(o.emit ? { emit: o.emit as EmitKind } : {}),
          ...(o.maxBatch ? { maxBatch: o.maxBatch } : {}),
          ...(o.weights ? { weights: o.weights } : {}),
          ...(o.weightMap ? { weightMap: o.weightMap } : {}),
          ...(o.deviceProfile ? { deviceProfile: o.deviceProfile } : {}),
          ...(o.model ? { model: o.model } : {}),
        },
        io,
      );
    });

  withWeights(
    loom
      .command("bench")
      .description(
        "prefill and decode tokens/s, per-kernel GPU time and GFLOP/s on this machine's WebGPU adapter",
      )
      .argument("<model>", "spec file or compiled bundle"),
  )
    .option(
      "--prompt-tokens <n>",
      "positions in the prefill",
      positiveInteger("--prompt-tokens"),
      32,
    )
    .option("--decode-tokens <n>", "decode steps timed", positiveInteger("--decode-tokens"), 16)
    .option("--runs <n>", "prefill runs (median)", positiveInteger("--runs"), 5)
    .option("--json", "print JSON")
    .action(async (path: string, o) => {
      status.code = await (
        await import("./bench.ts")
      ).runBench(
        path,
        {
          ...weightSource(o),
          promptTokens: o.promptTokens,
          decodeTokens: o.decodeTokens,
          runs: o.runs,
          json: Boolean(o.json),
        },
        io,
      );
    });

  loom
    .command("tune")
    .description(
      "measure the matmul tiles on this machine's WebGPU adapter and record the fastest for run, generate and bench (in $LOOM_TILE_CACHE, else $XDG_CACHE_HOME/loom/tiles.json or ~/.cache/loom/tiles.json)",
    )
    .option("--runs <n>", "timed calls per tile (median)", positiveInteger("--runs"), 3)
    .option("--json", "print JSON")
    .action(async (o: { runs: number; json?: boolean }) => {
      status.code = await (
        await import("./tune.ts")
      ).runTune({ runs: o.runs, json: Boolean(o.json) }, io);
    });

  loom
    .command("inspect")
    .description("print and validate a compiled bundle: versions, kernels, buffers, weights")
    .argument("<bundle>", "bundle directory")
    .option("--json", "print JSON")
    .action(async (dir: string, o: { json?: boolean }) => {
      status.code = (await import("./inspect.ts")).runInspect(dir, { json: Boolean(o.json) }, io);
    });

  const weights = loom.command("weights").description("seeded weights and safetensors files");
  weights
    .command("init")
    .description("write deterministic seeded weights for a spec (Loom layout, safetensors)")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --out <file>", "the safetensors file to write")
    .option("--seed <n>", "seed of the initialiser", unsigned32("--seed"), 0)
    .addOption(
      new Option("--dtype <dtype>", "element type").choices(["f32", "f16", "bf16"]).default("f32"),
    )
    .option("--force", "overwrite the output file if it exists")
    .option("--model <name>", "which model, when the spec file defines several")
    .action(
      async (
        spec: string,
        o: { out: string; seed: number; dtype: WriteDtype; force?: boolean; model?: string },
      ) => {
        status.code = (await import("./weights.ts")).runWeightsInit(
          spec,
          {
            seed: o.seed,
            out: o.out,
            dtype: o.dtype,
            force: Boolean(o.force),
            ...(o.model ? { model: o.model } : {}),
          },
          io,
        );
      },
    );
  weights
    .command("inspect")
    .description("list a safetensors file's tensors and metadata; with --spec, check that it fits")
    .argument("<file>", "safetensors file")
    .option("--spec <spec>", "bind the weights to this spec and report what does not fit")
    .option("--model <name>", "which model, when the spec file defines several")
    .option("--json", "print JSON")
    .addOption(
      new Option("--layout <layout>", "tensor naming")
        .choices(["auto", ...LAYOUTS])
        .default("auto"),
    )
    .option(
      "--weight-map <file>",
      "with --spec: rules renaming and reshaping the tensors (default: <spec>.weightmap.json)",
    )
    .action(
      async (
        file: string,
        o: {
          spec?: string;
          model?: string;
          json?: boolean;
          layout: LayoutOption;
          weightMap?: string;
        },
      ) => {
        status.code = (await import("./weights.ts")).runWeightsInspect(
          file,
          {
            json: Boolean(o.json),
            layout: o.layout,
            ...(o.spec ? { spec: o.spec } : {}),
            ...(o.weightMap ? { weightMap: o.weightMap } : {}),
            ...(o.model ? { model: o.model } : {}),
          },
          io,
        );
      },
    );

  return loom;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status, never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const status = { code: EXIT.ok as number };
  try {
    await program(io, status).parseAsync(argv, { from: "user" });
    return status.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const cause = (error as CommanderError & { cause?: unknown }).cause;
      if (cause instanceof UsageError) io.stderr(`error: ${cause.message}\n`);
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    const { LoomError } = await import("../api/errors.ts");
    if (error instanceof LoomError) return (await import("./report.ts")).reportError(error, io);
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(
      `internal error: this is a bug in Loom, please report it with the input that caused it\n${message}\n`,
    );
    return 3;
  }
}
