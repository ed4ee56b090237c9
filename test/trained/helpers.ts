/** Shared by the trained-model tests: a spec's typed IR with its trained weights and metadata. */
import { readFileSync } from "node:fs";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";

export interface Trained {
  ir: TypedIr;
  weights: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Checks the spec and binds the safetensors file to it (Loom layout), failing on any problem. */
export function loadTrained(spec: string, weightsPath: string): Trained {
  const checked = checkSpec(spec, (p) => readFileSync(p, "utf8"));
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  const ir = checked.models[0]?.ir;
  if (errors.length > 0 || !ir)
    throw new Error(`${spec}: ${errors.map((d) => d.message).join("; ") || "no model"}`);
  const loaded = loadWeights(ir, weightsPath, new Uint8Array(readFileSync(weightsPath)), {
    layout: "loom",
  });
  if (!loaded.weights)
    throw new Error(`${weightsPath}: ${loaded.diagnostics.map((d) => d.message).join("; ")}`);
  return { ir, weights: loaded.weights, metadata: loaded.metadata };
}

/** Index of the largest of `n` values at data[offset..]. */
export function argmax(data: Float64Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (data[offset + i]! > data[offset + best]!) best = i;
  return best;
}

/** −log softmax(row)[target] for the row of `n` logits at data[offset..]. */
export function crossEntropy(
  data: Float64Array,
  offset: number,
  n: number,
  target: number,
): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, data[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(data[offset + i]! - max);
  return Math.log(sum) + max - data[offset + target]!;
}
