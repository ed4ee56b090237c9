/**
 * Top-k (k ≤ 64) of each logits row on the device, so sampling with temperature / top-k / top-p
 * runs on the host over k candidates instead of the whole vocabulary. One workgroup per row: each
 * thread keeps a sorted top-k of its strided columns in registers (one pass over the row); a
 * tournament tree over the threads' list heads in workgroup memory then yields the row's top k,
 * one per round, each round replaying only the winner's path (2 barriers a round).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { logitRows, RANKING_WGSL, type LogitRows } from "./argmax.ts";
import { constU32, declareBindings, rowWorkgroupSize, rowKernel } from "./elementwise-wgsl.ts";

/** The largest k the kernel takes (its per-thread lists live in registers). */
export const MAX_TOP_K = 64;

export interface TopKOptions {
  /** Width of a logits row. */
  vocab: number;
  /** Candidates per row, 1 ≤ k ≤ min(64, vocab). */
  k: number;
  /** Default "last-per-sequence". */
  rows?: LogitRows;
}

/**
 * The k largest logits of each selected row and their indices, in (value desc, index asc) order:
 * the order of src/runtime/sampling.ts `samplingDistribution`. NaN logits are not handled specially.
 * Bindings: params ({rows} or {batch, seq}), logits [rows, vocab] (read), values [out rows, k] f32
 * (read_write), indices [out rows, k] u32 (read_write). Dispatch: one workgroup per output row.
 */
export function topKKernel(options: TopKOptions): Kernel {
  const { vocab, k } = options;
  if (!Number.isInteger(vocab) || vocab < 1)
    throw new RangeError(`vocab must be ≥ 1, got ${vocab}`);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(MAX_TOP_K, vocab))
    throw new RangeError(`top-k k must be in [1, ${Math.min(MAX_TOP_K, vocab)}], got ${k}`);
  const select = logitRows(options.rows ?? "last-per-sequence");
  const wg = rowWorkgroupSize(vocab);
  const { bindings, wgsl: decls } = declareBindings(select.params, [
    { name: "logits", access: "read", type: "f32", doc: "[rows, V] logits" },
    {
      name: "values",
      access: "read_write",
      type: "f32",
      doc: `[${select.outRows}, K] top logits, largest first`,
    },
    {
      name: "indices",
      access: "read_write",
      type: "u32",
      doc: `[${select.outRows}, K] their columns`,
    },
  ]);
  const name = `topk_v${vocab}_k${k}_${options.rows ?? "last-per-sequence"}`.replace(/-/g, "_");
  const wgsl = `// ${name}: the K largest logits of each row and their indices (lower index on ties).
${constU32("V", vocab, "vocab: width of a logits row")}
${constU32("K", k, "candidates per row")}
${constU32("WG", wg, "threads per workgroup (power of 2); one workgroup per row")}
${RANKING_WGSL}
${decls}
// the tournament tree: node 1 is the root, nodes WG .. 2WG-1 the leaves (one per thread)
var<workgroup> tree_value: array<f32, 2 * WG>;
var<workgroup> tree_index: array<u32, 2 * WG>;

// node := the better of its two children
fn settle(node: u32) {
  let a = 2u * node;
  let b = a + 1u;
  let take_b = better(tree_value[b], tree_index[b], tree_value[a], tree_index[a]);
  tree_value[node] = select(tree_value[a], tree_value[b], take_b);
  tree_index[node] = select(tree_index[a], tree_index[b], take_b);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let o = group.x;
  if (o >= params.${select.outRows}) {
    return;
  }
  let base = (${select.inputRow}) * V;
  // 1. this thread's top K of columns tid, tid + WG, ..., sorted; ascending columns, so an equal
  //    value never displaces an earlier (lower-index) one
  var list_value: array<f32, K>;
  var list_index: array<u32, K>;
  var n = 0u;
  for (var c = tid; c < V; c += WG) {
    let v = logits[base + c];
    if (n < K || v > list_value[K - 1u]) {
      var j = min(n, K - 1u); // the free slot, or the last entry (dropped)
      if (n < K) {
        n += 1u;
      }
      while (j > 0u && v > list_value[j - 1u]) {
        list_value[j] = list_value[j - 1u];
        list_index[j] = list_index[j - 1u];
        j -= 1u;
      }
      list_value[j] = v;
      list_index[j] = c;
    }
  }
  // 2. a tournament tree over the threads' list heads: node n (1 .. 2WG-1) holds the better of
  //    nodes 2n and 2n+1, leaf WG + t holds thread t's head, the root (node 1) the best of all
  var head = 0u;
  tree_value[WG + tid] = select(0.0, list_value[0], n > 0u);
  tree_index[WG + tid] = select(NONE, list_index[0], n > 0u);
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (tid < width) {
      settle(width + tid);
    }
    workgroupBarrier();
  }
  // 3. K rounds: take the root; its owner (column % WG) offers its next entry; one thread
  //    replays the owner's path to the root (log2(WG) comparisons, 2 barriers a round)
  for (var r = 0u; r < K; r++) {
    let winner = tree_index[1];
    if (tid == 0u) {
      values[o * K + r] = tree_value[1];
      indices[o * K + r] = winner;
    }
    if (winner != NONE && winner % WG == tid) {
      head += 1u;
      tree_value[WG + tid] = select(0.0, list_value[min(head, K - 1u)], head < n);
      tree_index[WG + tid] = select(NONE, list_index[min(head, K - 1u)], head < n);
    }
    workgroupBarrier(); // the new head is written and everyone has read the root
    if (tid == 0u && winner != NONE) {
      for (var node = (WG + winner % WG) / 2u; node > 0u; node = node / 2u) {
        settle(node);
      }
    }
    workgroupBarrier(); // the root is up to date
  }
}
`;
  return rowKernel(name, wgsl, bindings, select.params, wg, wg * 16, select.outRows);
}
