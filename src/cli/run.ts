import { renameSync, writeFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { runModel, samplingDistribution } from "../api/run.ts";
import type { Tensor } from "../api/weights.ts";
import { EXIT, type Io } from "./io.ts";
import { loadModel, type LoadedModel, type LoadModelOptions } from "../api/model.ts";
import { assembleInputs, InputError, readInputFile } from "../api/inputs.ts";
import { readPngInput } from "../api/image-input.ts";
import { encodeNpy } from "../api/npy.ts";
import { openForCli } from "./open.ts";
import { Timeline } from "./timeline.ts";
import { reportWarnings } from "./report.ts";

export interface RunOptions extends LoadModelOptions {
  /** Comma-separated token ids for the first int input. */
  tokens?: string;
  /** Text, tokenized with the model's tokenizer, for the first int input. */
  text?: string;
  /** `name=FILE.json` for any input. */
  inputs: string[];
  /** A PNG for the model's image input (ViT). */
  image?: string;
  /** Write the outputs to FILE.json (all) or FILE.npy (one output). */
  out?: string;
  /** Which output to write to an .npy file (default: the first). */
  output?: string;
  /** A spec's largest batch on WebGPU (default: its bound, else 1). */
  maxBatch?: number;
  /** Print where the time went on stderr. */
  verbose?: boolean;
}

function tokenIds(model: LoadedModel, opts: RunOptions): number[] | undefined {
  if (opts.tokens !== undefined) {
    const ids = opts.tokens.split(",").map((t) => t.trim());
    if (ids.some((t) => !/^\d+$/.test(t)))
      throw new InputError(`--tokens takes comma-separated ids, e.g. 1,2,3; got "${opts.tokens}"`);
    return ids.map(Number);
  }
  if (opts.text === undefined) return undefined;
  if (!model.tokenizer)
    throw new InputError(
      "the spec names no tokenizer, so --text cannot be used; pass --tokens instead",
    );
  try {
    return model.tokenizer.encode(opts.text);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

/**
 * Prints one output: its shape, and what it means: the likeliest next tokens for an LM head,
 * class probabilities for a classifier, summary statistics for hidden states and embeddings.
 */
function describeOutput(name: string, tensor: Tensor, model: LoadedModel): string {
  const lines = [`${name}: [${tensor.shape.join(", ")}]`];
  const output = model.ir.outputs.find((o) => o.name === name)!;
  const producer = model.ir.nodes.find((n) => n.output === output.value)?.op;
  const width = tensor.shape[tensor.shape.length - 1]!;
  const last = tensor.data.slice(tensor.data.length - width);
  if (producer !== "lm_head" && producer !== "classifier") {
    const mean = tensor.data.reduce((a, b) => a + b, 0) / tensor.data.length;
    const std = Math.sqrt(
      tensor.data.reduce((a, b) => a + (b - mean) ** 2, 0) / tensor.data.length,
    );
    const head = Array.from(last.slice(0, 6), (v) => v.toFixed(4)).join(", ");
    lines.push(
      `  mean ${mean.toFixed(6)}, std ${std.toFixed(6)}; last row starts [${head}${width > 6 ? ", …" : ""}]`,
    );
    return lines.join("\n");
  }
  const top = samplingDistribution(last, { temperature: 1 }).slice(0, 5);
  const vocab =
    producer === "lm_head" && model.tokenizer && width === model.tokenizer.vocabSize
      ? model.tokenizer
      : undefined;
  const heading =
    producer === "lm_head" ? "next token after the last position" : "class probabilities (softmax)";
  lines.push(`  ${heading}, top ${top.length}:`);
  for (const [index, probability] of top) {
    const label = vocab ? ` ${JSON.stringify(vocab.decode([index]))}` : "";
    lines.push(
      `    ${String(index).padStart(6)}${label}  p = ${probability.toFixed(4)}  (logit ${last[index]!.toFixed(4)})`,
    );
  }
  return lines.join("\n");
}

function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

/** `loom run SPEC|BUNDLE`: one forward pass on WebGPU or the CPU reference executor. */
export async function runForward(spec: string, opts: RunOptions, io: Io): Promise<number> {
  const timeline = new Timeline(opts.verbose === true);
  timeline.end("start", "Node and Loom's modules");
  const model = loadModel(spec, opts);
  timeline.end(
    "load",
    model.plan ? "the bundle read and checked" : "the spec checked, weights bound",
  );
  const given: Record<string, Tensor> = {};
  for (const entry of opts.inputs) {
    const at = entry.indexOf("=");
    if (at <= 0) throw new InputError(`--input takes name=FILE.json, got "${entry}"`);
    given[entry.slice(0, at)] = readInputFile(entry.slice(at + 1));
  }
  if (opts.image !== undefined) {
    const image = readPngInput(model.ir, opts.image, io.stderr.bind(null));
    given[image.name] = image.tensor;
  }
  const ids = tokenIds(model, opts);
  const tokenInput = model.ir.inputs.find((i) => i.dtype === "int")?.name;
  if (ids !== undefined && !tokenInput)
    throw new InputError("the model has no int input to take tokens");
  if (ids !== undefined && ids.length === 0)
    throw new InputError("no tokens to run: the text or --tokens is empty");
  const inputs = assembleInputs(
    model.ir,
    given,
    ids !== undefined ? { input: tokenInput!, ids } : undefined,
    (message) => io.stderr(`note: ${message}\n`),
  );
  if (opts.backend === "cpu") reportWarnings(model, io); // openForCli reports them otherwise
  const device =
    opts.backend === "cpu" ? undefined : await openForCli(model, io, opts.maxBatch, timeline);
  const outputs = await runModel(model, inputs, device ? { device } : {});
  timeline.end(
    "forward",
    device ? "one pass on the device, outputs read back" : "the CPU reference",
  );
  device?.destroy();
  timeline.report(io);

  if (opts.out) {
    const chosen = opts.output ?? Object.keys(outputs)[0]!;
    if (opts.out.endsWith(".npy")) {
      if (!outputs[chosen]) {
        io.stderr(
          `error: the model has no output \`${chosen}\`; outputs: ${Object.keys(outputs).join(", ")}\n`,
        );
        return EXIT.usage;
      }
      writeAtomically(opts.out, encodeNpy(outputs[chosen]!));
    } else {
      const json = Object.fromEntries(
        Object.entries(outputs).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]),
      );
      writeAtomically(opts.out, `${JSON.stringify({ model: model.ir.model, outputs: json })}\n`);
    }
    io.stderr(`wrote ${opts.out}\n`);
    return EXIT.ok;
  }
  io.stdout(
    `${Object.entries(outputs)
      .map(([name, t]) => describeOutput(name, t, model))
      .join("\n")}\n`,
  );
  return EXIT.ok;
}
