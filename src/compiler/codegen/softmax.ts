/**
 * Softmax over the last axis of [rows, d]: one workgroup per row, the row in registers, max and
 * sum by workgroup tree reductions (the reference's softmaxInPlace).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constF32,
  constU32,
  declareBindings,
  f32Literal,
  rowWorkgroupSize,
  rowKernel,
} from "./elementwise-wgsl.ts";
import { reductionStorageBytes, workgroupReductionsWgsl } from "./norm-reduction.ts";

export interface SoftmaxOptions {
  /** Width of the last axis. */
  d: number;
  /** Multiplies the inputs first: softmax(x · scale). Default 1. */
  scale?: number;
}

/**
 * softmax(x · scale) over the last axis, with the row max subtracted first. A row whose values
 * are all −∞ (or below −3.4e38) becomes zeros, as in the reference.
 * Bindings: params {rows}, x [rows, d] (read), out [rows, d] (read_write).
 * Dispatch: one workgroup per row (rows ≤ 65535).
 */
export function softmaxKernel(options: SoftmaxOptions): Kernel {
  const { d } = options;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`softmax width must be ≥ 1, got ${d}`);
  const wg = rowWorkgroupSize(d);
  const per = Math.ceil(d / wg);
  const params = [{ name: "rows", value: "rows" }];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: "f32", doc: "[rows, D] logits" },
    { name: "out", access: "read_write", type: "f32", doc: "[rows, D] probabilities" },
  ]);
  const name = `softmax_d${d}${scale === 1 ? "" : `_scale${f32Literal(scale)}`}`;
  const wgsl = `// ${name}: softmax over the last axis of [rows, D], one workgroup per row.
${constU32("D", d, "width of the last axis")}
${constU32("WG", wg, "threads per workgroup (power of 2); one workgroup per row")}
${constU32("PER", per, `ceil(D / WG) = ${per}: row values each thread holds in registers`)}
${constF32("SCALE", scale, "inputs are multiplied by this first")}
const LOWEST: f32 = -3.4028234663852886e38; // the most negative finite f32: padding, never a max

${decls}${workgroupReductionsWgsl()}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * D;
  var v: array<f32, PER>;
  var top = LOWEST;
  for (var i = 0u; i < PER; i++) {
    let c = tid + i * WG;
    var value = LOWEST;
    if (c < D) {
      value = x[base + c] * SCALE;
    }
    v[i] = value;
    top = max(top, value);
  }
  let row_max = workgroup_max(tid, top);
  // exp(value - max); padding and -inf entries give 0
  var total = 0.0;
  for (var i = 0u; i < PER; i++) {
    let e = select(0.0, exp(v[i] - row_max), v[i] > LOWEST);
    v[i] = e;
    total += e;
  }
  let row_sum = workgroup_sum(tid, total);
  // a row of -inf has no probabilities: zeros, as in the reference
  let inv = select(1.0 / row_sum, 0.0, row_max <= LOWEST);
  for (var i = 0u; i < PER; i++) {
    let c = tid + i * WG;
    if (c < D) {
      out[base + c] = v[i] * inv;
    }
  }
}
`;
  return rowKernel(name, wgsl, bindings, params, wg, reductionStorageBytes(wg), "rows");
}
