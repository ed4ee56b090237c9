/**
 * Generation as a library call: a prompt (text through the model's tokenizer, or token ids) in,
 * an async iterator of tokens out, each with the text it adds; KV-cached on WebGPU or on the CPU
 * reference executor.
 */
import { generationPlan } from "../contracts/ir/generation-plan.ts";
import type { Tensor } from "../contracts/tensor.ts";
import { generate, type GenerateOptions } from "../runtime/generate.ts";
import { referenceStepModel } from "../runtime/reference/step-model.ts";
import { generateOnDevice } from "../runtime/webgpu/generate.ts";
import type { WebGpuModel } from "../runtime/webgpu/session.ts";
import { InputError, LoomError } from "./errors.ts";
import { assembleInputs } from "./inputs.ts";
import type { LoadedModel } from "./model.ts";

/** What to generate from, and how to sample. */
export interface GenerateTextOptions {
  /** The prompt: text (through the model's tokenizer) or token ids. */
  prompt: string | number[];
  /** Encoder-decoder models: what the encoder reads (text, or token ids). */
  source?: string | number[];
  /** Tokens to generate at most (default 64). */
  maxTokens?: number;
  /** 0 (default) is greedy; above 0 samples. */
  temperature?: number;
  /** Sample among the k likeliest tokens (0, the default: all). */
  topK?: number;
  /** Sample among the likeliest tokens of total probability p (default 1). */
  topP?: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** Stop after any of these strings, or token ids. The tokenizer's end token always stops. */
  stop?: (string | number)[];
  /** Run on this device model (from `openOnDevice`) instead of the CPU reference executor. */
  device?: WebGpuModel;
  /** Told of each input filled by default (a mask of one unpadded sequence). */
  onNote?: (note: string) => void;
}

/**
 * One generated token and the text it adds: empty while a character is still partial, for a stop
 * token, and without a tokenizer.
 */
export interface GeneratedToken {
  id: number;
  text: string;
}

function encode(model: LoadedModel, text: string | number[], what: string): number[] {
  if (typeof text !== "string") return text;
  if (!model.tokenizer)
    throw new InputError(`the spec names no tokenizer, so ${what} must be token ids, not text`);
  return model.tokenizer.encode(text);
}

/** The prompt's token ids and the fixed inputs (an encoder's source) for generation. */
function prepare(model: LoadedModel, options: GenerateTextOptions) {
  const plan = generationPlan(model.ir);
  if ("error" in plan) throw new LoomError(plan.error);
  const prompt = encode(model, options.prompt, "the prompt");
  if (prompt.length === 0) throw new InputError("the prompt is empty: give at least one token");
  const encoderInput = plan.fixedInputs.find(
    (name) => model.ir.inputs.find((i) => i.name === name)?.dtype === "int",
  );
  const given: Record<string, Tensor> = {};
  if (encoderInput) {
    if (options.source === undefined)
      throw new InputError(
        `this encoder-decoder model reads \`${encoderInput}\`: give the source text (--source "…")`,
      );
    const ids = encode(model, options.source, "the source");
    given[encoderInput] = { shape: [1, ids.length], data: Float64Array.from(ids) };
  }
  const all = assembleInputs(
    model.ir,
    given,
    { input: plan.stepInput, ids: prompt },
    options.onNote,
  );
  const fixed = Object.fromEntries(plan.fixedInputs.map((name) => [name, all[name]!]));
  const stepShape = model.ir.inputs.find((i) => i.name === plan.stepInput)?.shape;
  const bound = model.ir.symbols.find((s) => s.name === stepShape?.[1])?.bound;
  return { plan, prompt, fixed, bound };
}

/** The stream, with a RangeError (a prompt past the bound, say) turned into an InputError. */
async function* inputErrors(stream: AsyncGenerator<number>): AsyncGenerator<number> {
  try {
    yield* stream;
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(error.message);
    throw error;
  }
}

/** Generates token by token; yields each token with the text it adds. */
export async function* generateText(
  model: LoadedModel,
  options: GenerateTextOptions,
): AsyncGenerator<GeneratedToken> {
  const { plan, prompt, fixed, bound } = prepare(model, options);
  const tokenizer = model.tokenizer;
  const stopTokens = [
    ...(tokenizer?.eos !== undefined ? [tokenizer.eos] : []),
    ...(options.stop ?? []).filter((s): s is number => typeof s === "number"),
  ];
  const stopStrings = (options.stop ?? []).filter((s): s is string => typeof s === "string");
  const sampling: GenerateOptions = {
    maxTokens: options.maxTokens ?? 64,
    temperature: options.temperature ?? 0,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
    seed: options.seed ?? 0,
    stopTokens,
    ...(bound ? { maxPositions: bound } : {}),
  };
  const stream = options.device
    ? generateOnDevice(options.device, prompt, sampling, fixed)
    : generate(referenceStepModel(model.ir, model.weights, plan, fixed), prompt, sampling);
  const produced: number[] = [];
  let shown = "";
  for await (const id of inputErrors(stream)) {
    produced.push(id);
    if (!tokenizer) {
      yield { id, text: "" };
      continue;
    }
    if (stopTokens.includes(id)) {
      yield { id, text: "" };
      return;
    }
    const text = tokenizer.decode(produced);
    const hits = stopStrings.map((stop) => text.indexOf(stop)).filter((at) => at >= 0);
    const stopAt = hits.length > 0 ? Math.min(...hits) : undefined;
    // A byte-level BPE token can end inside a character: wait for the rest before showing it.
    if (stopAt === undefined && text.endsWith("\uFFFD")) {
      yield { id, text: "" };
      continue;
    }
    const end = Math.max(stopAt ?? text.length, shown.length);
    yield { id, text: text.slice(shown.length, end) };
    shown = text.slice(0, end);
    if (stopAt !== undefined) return;
  }
}
