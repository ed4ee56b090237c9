import { Sampler } from "../sampling.ts";
import type { GenerateOptions } from "../generate.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import type { WebGpuModel } from "./session.ts";

/**
 * Autoregressive generation on the device: the prompt is one prefill pass, then each token one
 * decode pass against the KV caches. Greedy decoding reads back one u32 token id per step (argmax
 * on the device); sampling reads back the 64 likeliest candidates and samples among them with
 * temperature, top-k and top-p on the host.
 */
export async function* generateOnDevice(
  model: WebGpuModel,
  prompt: number[],
  options: GenerateOptions,
  fixedInputs: Record<string, Tensor> = {},
): AsyncGenerator<number> {
  const generation = model.plan.generation;
  if (!generation)
    throw new RangeError(`model \`${model.ir.model}\` cannot generate: it has no causal decoder`);
  if (prompt.length === 0) throw new RangeError("the prompt is empty: give at least one token");
  const sampler = new Sampler(options);
  const stop = new Set(options.stopTokens ?? []);
  model.reset();
  let feed = prompt;
  let length = 0;
  for (let i = 0; i < options.maxTokens; i++) {
    const step: Tensor = { shape: [1, feed.length], data: Float64Array.from(feed) };
    const inputs = { ...fixedInputs, [generation.stepInput]: step };
    let token: number;
    if (sampler.greedy) {
      token = (await model.forward(inputs, "next-token")).nextTokens![0]!;
    } else {
      const { values, indices, k } = (await model.forward(inputs, "top-k")).topK!;
      token = indices[sampler.next(values.subarray(0, k))]!;
    }
    length += feed.length;
    yield token;
    if (stop.has(token)) return;
    if (options.maxPositions !== undefined && length + 1 >= options.maxPositions) return;
    feed = [token];
  }
}
