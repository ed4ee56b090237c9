import type { TypedIr, TypedNode } from "../../contracts/ir/schema.ts";
import { elements } from "./shapes.ts";

/**
 * Every element is 4 bytes: f32 floats, i32 ids, and masks stored as u32 (WGSL has no
 * storable bool).
 */
export const ELEMENT_BYTES = 4;

function attentionSizes(node: TypedNode, shapes: ReadonlyMap<number, number[]>) {
  const x = shapes.get(node.inputs["x"]!)!;
  const keySource = node.op === "cross_attention" ? node.inputs["memory"]! : node.inputs["x"]!;
  const keys = shapes.get(keySource)!;
  return {
    batch: x[0]!,
    queries: x[1]!,
    keys: keys[1]!,
    heads: node.attrs["heads"] as number,
    kvHeads: node.attrs["kv_heads"] as number,
    headDim: node.attrs["head_dim"] as number,
  };
}

/**
 * f32 bytes of the KV cache: K and V of every causal self-attention, over its whole sequence
 * (2 · batch · seq · kv_heads · head_dim · 4 each), and of every cross-attention, over the
 * encoder memory (computed once, cached for every decoding step). Bidirectional self-attention
 * (an encoder) caches nothing.
 */
export function kvCacheBytes(ir: TypedIr, shapes: ReadonlyMap<number, number[]>): number {
  let bytes = 0;
  for (const node of ir.nodes) {
    const cached =
      node.op === "cross_attention" || (node.op === "attention" && node.attrs["causal"] === true);
    if (!cached) continue;
    const s = attentionSizes(node, shapes);
    bytes += 2 * s.batch * s.keys * s.kvHeads * s.headDim * ELEMENT_BYTES;
  }
  return bytes;
}

/** Bytes a node needs while it runs beyond its inputs and output: attention's score matrix. */
export function transientBytes(node: TypedNode, shapes: ReadonlyMap<number, number[]>): number {
  if (node.op !== "attention" && node.op !== "cross_attention") return 0;
  const s = attentionSizes(node, shapes);
  return s.batch * s.heads * s.queries * s.keys * ELEMENT_BYTES;
}

/**
 * Peak bytes of live tensors when the nodes run one by one in IR order. A value is live from
 * the node that produces it (inputs: from the start) to its last use (outputs: to the end); while
 * node i runs, its inputs, its output, every other live value and its transient bytes (the
 * attention score matrix, batch · heads · queries · keys) are held. Weights are not included.
 */
export function activationBytes(ir: TypedIr, shapes: ReadonlyMap<number, number[]>): number {
  const end = ir.nodes.length;
  const born = new Map<number, number>();
  const lastUse = new Map<number, number>();
  for (const input of ir.inputs) {
    born.set(input.value, 0);
    lastUse.set(input.value, 0);
  }
  for (const node of ir.nodes) {
    born.set(node.output, node.id);
    lastUse.set(node.output, node.id);
    for (const id of Object.values(node.inputs)) lastUse.set(id, node.id);
  }
  for (const output of ir.outputs) lastUse.set(output.value, end);

  // Sweep over the nodes: +size at the node a value is born, -size at the node after its last use.
  const delta = new Array<number>(end + 1).fill(0);
  for (const [id, from] of born) {
    const shape = shapes.get(id);
    if (!shape) continue; // position biases are tables, not activations
    const size = elements(shape) * ELEMENT_BYTES;
    delta[from]! += size;
    const freed = lastUse.get(id)! + 1;
    if (freed <= end) delta[freed]! -= size;
  }
  let live = 0;
  let peak = 0;
  for (const node of ir.nodes) {
    live += delta[node.id]!;
    peak = Math.max(peak, live + transientBytes(node, shapes));
  }
  return peak;
}
