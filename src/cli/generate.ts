import { generate } from "../runtime/generate.ts";
import { generationPlan } from "../contracts/ir/generation-plan.ts";
import { referenceStepModel } from "../runtime/reference/step-model.ts";
import { generateOnDevice } from "../runtime/webgpu/generate.ts";
import type { Tensor } from "../contracts/tensor.ts";
import { EXIT, type Io } from "./io.ts";
import { loadModel, type WeightSource } from "./load-model.ts";
import { openOnWebGpu } from "./webgpu-backend.ts";
import { assembleInputs, InputError } from "./model-inputs.ts";

export interface GenerateCliOptions extends WeightSource {
  prompt?: string;
  /** Comma-separated prompt token ids, instead of text. */
  tokens?: string;
  /** Encoder-decoder models: the source text the encoder reads. */
  source?: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  /** Stop after any of these strings (or token ids written as #id). */
  stop: string[];
  /** Print token ids instead of text. */
  ids: boolean;
}

function parseIds(text: string, what: string): number[] {
  const parts = text.split(",").map((t) => t.trim());
  if (parts.some((t) => !/^\d+$/.test(t)))
    throw new InputError(`${what} takes comma-separated token ids, got "${text}"`);
  return parts.map(Number);
}

/** `loom generate SPEC|BUNDLE --prompt …`: KV-cached autoregressive generation, tokens streamed as produced. */
export async function runGenerate(spec: string, opts: GenerateCliOptions, io: Io): Promise<number> {
  const model = loadModel(spec, opts, io);
  if (typeof model === "number") return model;
  const plan = generationPlan(model.ir);
  if ("error" in plan) {
    io.stderr(`error: ${plan.error}\n`);
    return EXIT.errors;
  }
  const tokenizer = model.tokenizer;
  let prompt: number[];
  let fixed: Record<string, Tensor>;
  const stopTokens: number[] = tokenizer?.eos !== undefined ? [tokenizer.eos] : [];
  const stopStrings: string[] = [];
  try {
    if (opts.tokens !== undefined) prompt = parseIds(opts.tokens, "--tokens");
    else if (opts.prompt !== undefined) {
      if (!tokenizer)
        throw new InputError(
          "the spec names no tokenizer, so --prompt cannot be used; pass --tokens instead",
        );
      prompt = tokenizer.encode(opts.prompt);
    } else throw new InputError("give a --prompt (text) or --tokens (ids)");
    if (prompt.length === 0) throw new InputError("the prompt is empty: give at least one token");
    for (const stop of opts.stop) {
      if (/^#\d+$/.test(stop)) stopTokens.push(Number(stop.slice(1)));
      else stopStrings.push(stop);
    }
    const encoderInput = plan.fixedInputs.find(
      (name) => model.ir.inputs.find((i) => i.name === name)?.dtype === "int",
    );
    const given: Record<string, Tensor> = {};
    if (encoderInput) {
      if (opts.source === undefined)
        throw new InputError(
          `this encoder-decoder model reads \`${encoderInput}\`: give the source with --source "…"`,
        );
      const ids = tokenizer ? tokenizer.encode(opts.source) : parseIds(opts.source, "--source");
      given[encoderInput] = { shape: [1, ids.length], data: Float64Array.from(ids) };
    }
    const all = assembleInputs(model.ir, given, { input: plan.stepInput, ids: prompt });
    fixed = Object.fromEntries(plan.fixedInputs.map((name) => [name, all[name]!]));
  } catch (error) {
    if (!(error instanceof InputError) && !(error instanceof RangeError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT.usage;
  }

  const bound = model.ir.symbols.find(
    (s) => s.name === model.ir.inputs.find((i) => i.name === plan.stepInput)?.shape[1],
  )?.bound;
  const options = {
    maxTokens: opts.maxTokens,
    temperature: opts.temperature,
    topK: opts.topK,
    topP: opts.topP,
    seed: opts.seed,
    stopTokens,
    ...(bound ? { maxPositions: bound } : {}),
  };
  let stream: AsyncGenerator<number>;
  if (opts.backend === "cpu") {
    stream = generate(referenceStepModel(model.ir, model.weights, plan, fixed), prompt, options);
  } else {
    const gpu = await openOnWebGpu(model, io);
    if (typeof gpu === "number") return gpu;
    stream = generateOnDevice(gpu, prompt, options, fixed);
  }
  if (!opts.ids && tokenizer) io.stdout(opts.prompt ?? tokenizer.decode(prompt));
  const produced: number[] = [];
  let printed = "";
  for await (const token of stream) {
    produced.push(token);
    if (opts.ids || !tokenizer) {
      io.stdout(`${produced.length > 1 ? "," : ""}${token}`);
      continue;
    }
    if (stopTokens.includes(token)) break;
    const text = tokenizer.decode(produced);
    const hits = stopStrings.map((stop) => text.indexOf(stop)).filter((at) => at >= 0);
    const stopAt = hits.length > 0 ? Math.min(...hits) : undefined;
    // A byte-level BPE token can end inside a character: wait for the rest before printing.
    if (stopAt === undefined && text.endsWith("\uFFFD")) continue;
    const end = stopAt ?? text.length;
    if (end > printed.length) io.stdout(text.slice(printed.length, end));
    printed = text.slice(0, end);
    if (stopAt !== undefined) break;
  }
  io.stdout("\n");
  return EXIT.ok;
}
