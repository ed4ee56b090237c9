/**
 * Attention as ONNX ops, the readable way (as the reference executor computes it): projections,
 * heads split, RoPE (rotate-half pairs (i, i + hd/2)), K/V heads repeated for grouped queries,
 * scores with T5's relative bias, the causal and padding masks, softmax, the weighted sum and the
 * output projection. Tables that depend on positions (RoPE's cos and sin, the causal mask, T5's
 * buckets, ALiBi's biases) are constants made at the sequence bound and sliced to the run's
 * lengths.
 */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import { alibiSlope } from "../../../contracts/alibi.ts";
import { relativePositionBucket } from "../../../contracts/position-buckets.ts";
import type { OnnxContext } from "./context.ts";
import { BOOL } from "./graph.ts";

/** [B, L, heads·hd] → [B, heads, L, hd]. */
function splitHeads(c: OnnxContext, x: string, heads: number, headDim: number): string {
  const g = c.graph;
  const split = g.op("Reshape", [x, g.ints([0, 0, heads, headDim])]); // [B, L, heads, hd]
  return g.op("Transpose", [split], { perm: [0, 2, 1, 3] });
}

/** RoPE on t: [B, heads, S, hd] at positions 0..S-1; `bound` rows of cos and sin are stored. */
function rope(c: OnnxContext, node: TypedNode, t: string, seq: string, bound: number): string {
  const g = c.graph;
  const theta = Number(node.attrs["rope"]);
  const headDim = Number(node.attrs["head_dim"]);
  const half = headDim / 2;
  const cos = new Float64Array(bound * headDim); // [bound, hd]
  const sin = new Float64Array(bound * headDim);
  for (let p = 0; p < bound; p++)
    for (let i = 0; i < headDim; i++) {
      const angle = p * Math.pow(theta, (-2 * (i % half)) / headDim);
      cos[p * headDim + i] = Math.cos(angle);
      sin[p * headDim + i] = Math.sin(angle);
    }
  const rows = (name: string, values: Float64Array) =>
    c.leading(g.floats(g.fresh(`${node.name}.rope_${name}`), [bound, headDim], values), [0], [seq]);
  const first = g.op("Slice", [t, g.ints([0]), g.ints([half]), g.ints([-1])]); // [..., hd/2]
  const second = g.op("Slice", [t, g.ints([half]), g.ints([headDim]), g.ints([-1])]);
  const rotated = g.op("Concat", [g.op("Neg", [second]), first], { axis: -1 }); // [..., hd]
  return g.op("Add", [
    g.op("Mul", [t, rows("cos", cos)]),
    g.op("Mul", [rotated, rows("sin", sin)]),
  ]);
}

/** A [rows, cols] float table of `f(query, key)`, sliced to [S, T]. */
function positionTable(
  c: OnnxContext,
  name: string,
  rows: number,
  cols: number,
  lengths: [string, string],
  f: (q: number, k: number) => number,
  int = false,
): string {
  const g = c.graph;
  const values: number[] = [];
  for (let q = 0; q < rows; q++) for (let k = 0; k < cols; k++) values.push(f(q, k));
  const table = int ? g.ints(values, [rows, cols]) : g.floats(g.fresh(name), [rows, cols], values);
  return c.leading(table, [0, 1], lengths);
}

/** T5's relative bias for heads [H, S, T] from the bias node's table [buckets, H]. */
function relativeBias(
  c: OnnxContext,
  node: TypedNode,
  bias: TypedNode,
  sizes: { rows: number; cols: number; lengths: [string, string] },
): string {
  const g = c.graph;
  const buckets = Number(bias.attrs["buckets"]);
  const maxDistance = Number(bias.attrs["max_distance"]);
  const bidirectional = bias.attrs["bidirectional"] === true;
  const index = positionTable(
    c,
    `${node.name}.buckets`,
    sizes.rows,
    sizes.cols,
    sizes.lengths,
    (q, k) => relativePositionBucket(k - q, bidirectional, buckets, maxDistance),
    true,
  ); // [S, T]
  const perPair = g.op("Gather", [c.weight(bias, "weight"), index], { axis: 0 }); // [S, T, H]
  return g.op("Transpose", [perPair], { perm: [2, 0, 1] }); // [H, S, T]
}

/** attention or cross_attention: x [B, S, D] (and memory [B, T, Dm]) → [B, S, D]. */
export function attention(c: OnnxContext, node: TypedNode, biasNode?: TypedNode): string {
  const g = c.graph;
  const cross = node.op === "cross_attention";
  const heads = Number(node.attrs["heads"]);
  const kvHeads = Number(node.attrs["kv_heads"]);
  const headDim = Number(node.attrs["head_dim"]);
  const x = c.input(node, "x"); // [B, S, D]
  const source = cross ? c.input(node, "memory") : x; // [B, T, Dk]
  const seq = c.length(x, 1);
  const keys = cross ? c.length(source, 1) : seq;

  let q = splitHeads(c, c.linear(x, node, "q."), heads, headDim); // [B, H, S, hd]
  let k = splitHeads(c, c.linear(source, node, "k."), kvHeads, headDim); // [B, KV, T, hd]
  let v = splitHeads(c, c.linear(source, node, "v."), kvHeads, headDim); // [B, KV, T, hd]
  const rows = () => c.bound(node.inputs["x"]!, 1, `\`${node.name}\``);
  const cols = () => (cross ? c.bound(node.inputs["memory"]!, 1, `\`${node.name}\``) : rows());
  if (typeof node.attrs["rope"] === "number" && !cross) {
    q = rope(c, node, q, seq, rows());
    k = rope(c, node, k, seq, rows());
  }
  if (kvHeads !== heads) {
    // each K/V head serves heads / kv_heads query heads, in order: [B, KV, T, hd] → [B, H, T, hd]
    const repeat = (t: string) =>
      g.op("Reshape", [
        g.op("Expand", [
          g.op("Unsqueeze", [t, g.ints([2])]),
          g.ints([1, 1, heads / kvHeads, 1, 1]),
        ]),
        g.ints([0, heads, -1, headDim]),
      ]);
    k = repeat(k);
    v = repeat(v);
  }
  const kT = g.op("Transpose", [k], { perm: [0, 1, 3, 2] }); // [B, H, hd, T]
  let scores = g.op("Mul", [g.op("MatMul", [q, kT]), g.scalar(Number(node.attrs["scale"]))]); // [B, H, S, T]
  if (biasNode)
    scores = g.op("Add", [
      scores,
      relativeBias(c, node, biasNode, { rows: rows(), cols: cols(), lengths: [seq, keys] }),
    ]);
  if (node.attrs["alibi"] === true) {
    // ALiBi: head h adds −slope_h · |q − k| (src/contracts/alibi.ts), a [H, bound, bound] table.
    const bound = rows();
    const table = new Float64Array(heads * bound * bound);
    for (let h = 0; h < heads; h++)
      for (let qi = 0; qi < bound; qi++)
        for (let ki = 0; ki < bound; ki++)
          table[(h * bound + qi) * bound + ki] = -alibiSlope(h, heads) * Math.abs(qi - ki);
    const name = g.floats(g.fresh(`${node.name}.alibi`), [heads, bound, bound], table);
    scores = g.op("Add", [scores, c.leading(name, [1, 2], [seq, keys])]); // + [H, S, T]
  }
  if (node.attrs["causal"] === true)
    scores = g.op("Add", [
      scores,
      positionTable(c, `${node.name}.causal`, rows(), cols(), [seq, keys], (qi, ki) =>
        ki > qi ? -Infinity : 0,
      ),
    ]);
  const padding = c.optionalInput(node, "padding"); // [B, T], true = a real key
  if (padding) {
    const real = g.op("Cast", [padding], { to: BOOL });
    const additive = g.op("Where", [real, g.scalar(0), g.scalar(-Infinity)]); // [B, T]
    scores = g.op("Add", [scores, g.op("Unsqueeze", [additive, g.ints([1, 2])])]);
  }
  const probs = g.op("Softmax", [scores], { axis: -1 }); // [B, H, S, T]
  const context = g.op("Transpose", [g.op("MatMul", [probs, v])], { perm: [0, 2, 1, 3] }); // [B, S, H, hd]
  const merged = g.op("Reshape", [context, g.ints([0, 0, heads * headDim])]); // [B, S, H·hd]
  return c.linear(merged, node, "o.");
}
