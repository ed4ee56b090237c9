import { Sampler, type SamplingOptions } from "./sampling.ts";

/** A model that can extend a sequence: feed new tokens, get the logits of the last position. */
export interface StepModel {
  /** Feeds `tokens` after those fed before; returns the logits row of the last one. */
  feed(tokens: number[]): Promise<Float64Array | Float32Array> | Float64Array | Float32Array;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  /** Generation ends after producing any of these (the stop token is yielded). */
  stopTokens?: number[];
  /** Tokens past which the model cannot see (its sequence bound); generation stops there. */
  maxPositions?: number;
}

/**
 * Autoregressive generation: the prompt is fed once (prefill), then each sampled token is fed
 * back alone, so a model with a KV cache does O(1) new work per token. Yields tokens as produced.
 */
export async function* generate(
  model: StepModel,
  prompt: number[],
  options: GenerateOptions,
): AsyncGenerator<number> {
  if (prompt.length === 0) throw new RangeError("the prompt is empty: give at least one token");
  const sampler = new Sampler(options);
  const stop = new Set(options.stopTokens ?? []);
  let logits = await model.feed(prompt);
  let length = prompt.length;
  for (let i = 0; i < options.maxTokens; i++) {
    const token = sampler.next(logits);
    yield token;
    length++;
    if (stop.has(token)) return;
    if (options.maxPositions !== undefined && length >= options.maxPositions) return;
    if (i + 1 < options.maxTokens) logits = await model.feed([token]);
  }
}
