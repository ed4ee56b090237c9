import { Command, CommanderError, Option } from "commander";
import { runCheck, type DiagnosticFormat } from "./check.ts";
import { runFmt } from "./fmt.ts";
import { runSummary } from "./summary.ts";
import { runWeightsInit, runWeightsInspect } from "./weights.ts";
import { LAYOUTS, type LayoutOption } from "../runtime/weights/layouts/map.ts";
import type { WriteDtype } from "../runtime/weights/dtypes.ts";
import { EXIT, processIo, type Io } from "./io.ts";

const VERSION = "0.1.0";

/** Builds the `loom` command tree; each action stores its exit status in `status`. */
function program(io: Io, status: { code: number }): Command {
  const loom = new Command("loom")
    .description("Loom: transformer model specs, checked and compiled for WebGPU")
    .version(VERSION)
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
    .addOption(new Option("--emit <what>", "print an intermediate form as JSON").choices(["ir"]))
    .option("--deny-warnings", "exit 1 when there are warnings")
    .option("--no-color", "never colour the output")
    .action(
      (
        files: string[],
        opts: { format: DiagnosticFormat; emit?: "ir"; denyWarnings?: boolean; color: boolean },
      ) => {
        status.code = runCheck(
          files,
          { ...opts, color: opts.color && io.isTty && !process.env["NO_COLOR"] },
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
    .option("--batch <n>", "sequences per batch for the memory figures", "1")
    .option("--seq <n>", "positions per sequence (default: the sequence bound, at most 2048)")
    .action((files: string[], opts: { json?: boolean; batch: string; seq?: string }) => {
      const batch = positiveInteger(opts.batch);
      const seq = opts.seq === undefined ? undefined : positiveInteger(opts.seq);
      if (batch === undefined || (opts.seq !== undefined && seq === undefined)) {
        io.stderr("error: --batch and --seq take positive integers\n");
        status.code = EXIT.usage;
        return;
      }
      status.code = runSummary(
        files,
        { json: Boolean(opts.json), batch, ...(seq ? { seq } : {}) },
        io,
      );
    });

  loom
    .command("fmt")
    .description(
      "format spec files in the canonical style (prints the result unless --check or --write)",
    )
    .argument("<files...>", "spec files or directories")
    .option("--check", "list files that are not formatted; exit 1 if any")
    .option("--write", "rewrite files that are not formatted")
    .action(async (files: string[], opts: { check?: boolean; write?: boolean }) => {
      if (opts.check && opts.write) {
        io.stderr("error: --check and --write cannot be used together\n");
        status.code = EXIT.usage;
        return;
      }
      status.code = await runFmt(
        files,
        { check: Boolean(opts.check), write: Boolean(opts.write) },
        io,
      );
    });

  const weights = loom.command("weights").description("seeded weights and safetensors files");
  weights
    .command("init")
    .description("write deterministic seeded weights for a spec (Loom layout, safetensors)")
    .argument("<spec>", "spec file")
    .requiredOption("-o, --out <file>", "the safetensors file to write")
    .option("--seed <n>", "an unsigned 32-bit seed", "0")
    .addOption(
      new Option("--dtype <dtype>", "element type").choices(["f32", "f16", "bf16"]).default("f32"),
    )
    .option("--force", "overwrite the output file if it exists")
    .option("--model <name>", "which model, when the file defines several")
    .action(
      (
        spec: string,
        o: { out: string; seed: string; dtype: WriteDtype; force?: boolean; model?: string },
      ) => {
        const seed = /^\d+$/.test(o.seed) ? Number(o.seed) : Number.NaN;
        status.code = runWeightsInit(
          spec,
          {
            seed,
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
    .description(
      "list a safetensors file's tensors and metadata; with --spec, check it fits the spec",
    )
    .argument("<file>", "safetensors file")
    .option("--spec <spec>", "bind the weights to this spec and report what does not fit")
    .option("--model <name>", "which model, when the spec defines several")
    .option("--json", "print JSON")
    .addOption(
      new Option("--layout <layout>", "tensor naming")
        .choices(["auto", ...LAYOUTS])
        .default("auto"),
    )
    .action(
      (
        file: string,
        o: { spec?: string; model?: string; json?: boolean; layout: LayoutOption },
      ) => {
        status.code = runWeightsInspect(
          file,
          {
            json: Boolean(o.json),
            layout: o.layout,
            ...(o.spec ? { spec: o.spec } : {}),
            ...(o.model ? { model: o.model } : {}),
          },
          io,
        );
      },
    );

  return loom;
}

/** A positive integer from an option's text, or undefined if it is not one. */
function positiveInteger(text: string): number | undefined {
  return /^[1-9]\d*$/.test(text) ? Number(text) : undefined;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status, never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const status = { code: EXIT.ok as number };
  try {
    await program(io, status).parseAsync(argv, { from: "user" });
    return status.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(
      `internal error: this is a bug in Loom, please report it with the input that caused it\n${message}\n`,
    );
    return 3;
  }
}
