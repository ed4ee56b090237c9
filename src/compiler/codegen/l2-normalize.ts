/**
 * l2_normalize over the last axis of [rows, d]: one workgroup per row, the row in registers, the
 * sum of squares by a workgroup tree reduction (the reference's l2Normalize).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constF32,
  constU32,
  declareBindings,
  f32Literal,
  rowKernel,
  rowWorkgroupSize,
  workgroupPerRowEntry,
} from "./elementwise-wgsl.ts";
import { reductionStorageBytes, workgroupReductionsWgsl } from "./norm-reduction.ts";

export interface L2NormalizeOptions {
  /** Width of the last axis. */
  d: number;
  /** The smallest norm divided by (torch.nn.functional.normalize's eps). */
  eps: number;
}

/**
 * out = x / max(‖x‖₂, eps) per row.
 * Bindings: params {rows}, x [rows, d] (read), out [rows, d] (read_write).
 * Dispatch: one workgroup per row (rows ≤ 65535).
 */
export function l2NormalizeKernel(options: L2NormalizeOptions): Kernel {
  const { d, eps } = options;
  if (!Number.isInteger(d) || d < 1)
    throw new RangeError(`l2_normalize width must be ≥ 1, got ${d}`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`eps must be ≥ 0, got ${eps}`);
  const wg = rowWorkgroupSize(d);
  const per = Math.ceil(d / wg);
  const params = [{ name: "rows", value: "rows" }];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: "f32", doc: "[rows, D] input" },
    { name: "out", access: "read_write", type: "f32", doc: "[rows, D] rows of unit length" },
  ]);
  const name = `l2_normalize_d${d}_eps${f32Literal(eps)}`;
  const wgsl = `// ${name}: x / max(|x|, EPS) over the last axis of [rows, D], one workgroup per row.
${constU32("D", d, "width of the last axis")}
${constU32("WG", wg, "threads per workgroup (power of 2); one workgroup per row")}
${constU32("PER", per, `ceil(D / WG) = ${per}: row values each thread holds in registers`)}
${constF32("EPS", eps, "the smallest norm divided by")}

${decls}${workgroupReductionsWgsl()}
${workgroupPerRowEntry()}
  var v: array<f32, PER>; // this thread's columns tid + i·WG of the row, 0 past D
  var squares = 0.0;
  for (var i = 0u; i < PER; i++) {
    let inside = tid + i * WG < D;
    v[i] = select(0.0, x[base + min(tid + i * WG, D - 1u)], inside);
    squares += v[i] * v[i];
  }
  let inv = 1.0 / max(sqrt(workgroup_sum(tid, squares)), EPS);
  for (var i = 0u; tid + i * WG < D && i < PER; i++) {
    out[base + tid + i * WG] = v[i] * inv;
  }
}
`;
  return rowKernel(name, wgsl, bindings, params, wg, reductionStorageBytes(wg), "rows");
}
