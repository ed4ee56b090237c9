/**
 * Argmax over the vocabulary on the device, so a greedy decode step reads back token ids instead
 * of logits: one workgroup per row, a strided scan then a tree reduction of (value, index) pairs in
 * workgroup memory. Ties go to the lower index (src/runtime/sampling.ts `argmax`).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { constU32, declareBindings, rowWorkgroupSize, rowKernel } from "./elementwise-wgsl.ts";

/**
 * Which rows of a [batch · seq, vocab] logits buffer to reduce: every row ("all", params {rows}),
 * or the last row of each sequence ("last-per-sequence", params {batch, seq}: row b·seq + seq − 1).
 */
export type LogitRows = "all" | "last-per-sequence";

/** The params, the number of output rows, and the WGSL of the input row of output row `o`. */
export function logitRows(rows: LogitRows): {
  params: Kernel["params"];
  outRows: string;
  inputRow: string;
} {
  return rows === "all"
    ? { params: [{ name: "rows", value: "rows" }], outRows: "rows", inputRow: "o" }
    : {
        params: [
          { name: "batch", value: "batch" },
          { name: "seq", value: "seq" },
        ],
        outRows: "batch",
        inputRow: "o * params.seq + params.seq - 1u",
      };
}

/**
 * WGSL of `better(v, i, bv, bi)`: whether candidate (v, i) beats (bv, bi) in (value desc, index asc)
 * order; index NONE (0xffffffff) means no candidate.
 */
export const RANKING_WGSL = `
const NONE: u32 = 0xffffffffu; // no candidate

// (v, i) before (bv, bi): larger value first, then lower index; NONE loses to everything.
fn better(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  return i != NONE && (bi == NONE || v > bv || (v == bv && i < bi));
}
`;

export interface ArgmaxOptions {
  /** Width of a logits row. */
  vocab: number;
  /** Default "last-per-sequence". */
  rows?: LogitRows;
}

/**
 * Argmax of each selected logits row → u32 token ids. NaN logits are not handled specially.
 * Bindings: params ({rows} or {batch, seq}), logits [rows, vocab] (read), ids [rows or batch] u32
 * (read_write). Dispatch: one workgroup per output row (≤ 65535).
 */
export function argmaxKernel(options: ArgmaxOptions): Kernel {
  const { vocab } = options;
  if (!Number.isInteger(vocab) || vocab < 1)
    throw new RangeError(`vocab must be ≥ 1, got ${vocab}`);
  const select = logitRows(options.rows ?? "last-per-sequence");
  const wg = rowWorkgroupSize(vocab);
  const { bindings, wgsl: decls } = declareBindings(select.params, [
    { name: "logits", access: "read", type: "f32", doc: "[rows, V] logits" },
    {
      name: "ids",
      access: "read_write",
      type: "u32",
      doc: `[${select.outRows}] argmax of each row`,
    },
  ]);
  const name = `argmax_v${vocab}_${options.rows ?? "last-per-sequence"}`.replace(/-/g, "_");
  const wgsl = `// ${name}: the index of the largest logit of each row (lower index on ties).
${constU32("V", vocab, "vocab: width of a logits row")}
${constU32("WG", wg, "threads per workgroup (power of 2); one workgroup per row")}
${RANKING_WGSL}
${decls}
var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_index: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let o = group.x;
  if (o >= params.${select.outRows}) {
    return;
  }
  let base = (${select.inputRow}) * V;
  // each thread: the best of columns tid, tid + WG, ... (ascending, so ties keep the first)
  var bv = 0.0;
  var bi = NONE;
  for (var c = tid; c < V; c += WG) {
    let v = logits[base + c];
    if (better(v, c, bv, bi)) {
      bv = v;
      bi = c;
    }
  }
  best_value[tid] = bv;
  best_index[tid] = bi;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      let v = best_value[tid + stride];
      let i = best_index[tid + stride];
      if (better(v, i, best_value[tid], best_index[tid])) {
        best_value[tid] = v;
        best_index[tid] = i;
      }
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    ids[o] = best_index[0];
  }
}
`;
  return rowKernel(name, wgsl, bindings, select.params, wg, wg * 8, select.outRows);
}
