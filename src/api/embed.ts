/** Sentence embeddings in Node: a loaded model on WebGPU or the CPU reference (src/runtime/embed.ts). */
import type { WebGpuModel } from "../runtime/webgpu/session.ts";
import { embeddingSignature, embedTexts, type Embeddings } from "../runtime/embed.ts";
import { InputError } from "./errors.ts";
import type { LoadedModel } from "./model.ts";
import { runModel } from "./run.ts";

export {
  embeddingSignature,
  rankBySimilarity,
  type EmbeddingSignature,
  type Embeddings,
  type Ranked,
} from "../runtime/embed.ts";

export interface EmbedOptions {
  /** Run on this device (`openOnDevice`); default: the CPU reference executor. */
  device?: WebGpuModel;
  /** The output to read, when the model has several [batch, width] outputs. */
  output?: string;
}

/**
 * One unit-length embedding per text, in batches as large as the model (or the device's plan)
 * takes; texts over the sequence bound are cut to it and listed in `truncated`. A model that
 * cannot embed text is an InputError.
 */
export async function embedSentences(
  model: LoadedModel,
  texts: readonly string[],
  options: EmbedOptions = {},
): Promise<Embeddings> {
  if (!model.tokenizer)
    throw new InputError(`model \`${model.ir.model}\` names no tokenizer, so it cannot embed text`);
  const device = options.device;
  let signature;
  try {
    signature = embeddingSignature(model.ir, {
      ...(options.output ? { output: options.output } : {}),
      ...(device ? { maxBatch: device.plan.sizes.max[device.plan.sizes.batch] ?? 1 } : {}),
    });
  } catch (error) {
    throw error instanceof RangeError ? new InputError(error.message) : error;
  }
  return embedTexts(signature, model.tokenizer, texts, (inputs) =>
    runModel(model, inputs, device ? { device } : {}),
  );
}
