import type { TypedIr } from "../ir/schema.ts";
import type { KernelPlan } from "./schema.ts";

/** Ops that read one row of their table per token (a gather), not the whole table. */
const GATHERS = new Set(["embed", "learned_positions"]);

/**
 * Bytes of weights one decode step reads: every weight buffer bound by a step that runs at
 * decode (phase `step`, `when` not `prefill`), each counted once and whole, since a one-row
 * matmul reads all of its matrix; except a gather node's table (embed, learned_positions) bound by
 * an embedding step (one that computes a gather node; positions are fused into the token
 * embedding's step), which reads one row of it. A tied LM head binds the embedding table for a
 * matmul, so that table counts. Mixture-of-experts layers
 * count every expert (an upper bound: a token reads only its top-k experts).
 */
export function decodeWeightBytes(ir: TypedIr, plan: KernelPlan): number {
  const gathers = new Set(ir.nodes.filter((n) => GATHERS.has(n.op)).map((n) => n.name));
  const whole = new Set<number>();
  for (const step of plan.steps) {
    if (step.phase !== "step" || step.when === "prefill") continue;
    const embedding = step.nodes.some((node) => gathers.has(node));
    for (const id of step.buffers) {
      const buffer = plan.buffers[id];
      if (buffer?.kind !== "weight") continue;
      const tensors = buffer.weights ?? [];
      const gathered =
        embedding &&
        tensors.length > 0 &&
        tensors.every((tensor) => gathers.has(tensor.slice(0, tensor.lastIndexOf("."))));
      if (!gathered) whole.add(id);
    }
  }
  let bytes = 0;
  for (const id of whole) bytes += plan.buffers[id]!.maxElements * 4;
  return bytes;
}
