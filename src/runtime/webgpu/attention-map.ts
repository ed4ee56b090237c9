/** Reading the attention maps an augmented plan (src/compiler/codegen/attention-map.ts) computed. */
import type { AttentionMapLayer } from "../../contracts/plan/attention-map.ts";
import type { WebGpuModel } from "./session.ts";

/**
 * One head's map over the last prefill's first `length` positions: rows are queries, columns
 * keys, each row summing to 1 (0 where masked).
 */
export async function readAttentionMap(
  model: WebGpuModel,
  layer: AttentionMapLayer,
  head: number,
  length: number,
): Promise<Float32Array[]> {
  if (head < 0 || head >= layer.heads)
    throw new RangeError(`${layer.node} has heads 0 to ${layer.heads - 1}, not ${head}`);
  const data = await model.readBuffer(layer.buffer);
  return Array.from({ length: Math.min(length, layer.maxLen) }, (_, s) => {
    const row = (head * layer.maxLen + s) * layer.maxLen;
    return data.slice(row, row + length);
  });
}
