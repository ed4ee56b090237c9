/**
 * Kernels over one axis of x viewed as [outer, n, inner]: reductions to [outer, inner] (one output
 * per thread, the n values summed or maxed in order, as the reference does) and slices.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { constU32, declareBindings, flatKernel, flatPrelude } from "./elementwise-wgsl.ts";

export type ReduceOp = "sum" | "mean" | "max";

const COMBINE: Record<ReduceOp, string> = {
  sum: "acc + v",
  mean: "acc + v",
  max: "max(acc, v)",
};

/**
 * out[o, c] = Σ / mean / max over k < n of x[o, k, c].
 * Bindings: params {outer, n, inner}, x [outer, n, inner] (read), out [outer, inner] (read_write).
 * Dispatch: ceil(outer · inner / 1024) workgroups.
 */
export function reduceKernel(op: ReduceOp): Kernel {
  if (!(op in COMBINE)) throw new RangeError(`unknown reduction \`${op}\``);
  const params = [
    { name: "outer", value: "outer" },
    { name: "n", value: "n" },
    { name: "inner", value: "inner" },
  ];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: "f32", doc: "[outer, n, inner] input, n the reduced axis" },
    { name: "out", access: "read_write", type: "f32", doc: "[outer, inner] reduced" },
  ]);
  const name = `reduce_${op}`;
  const result = op === "mean" ? "acc / f32(params.n)" : "acc";
  const wgsl = `// ${name}: out[o, c] = ${op} over k < n of x[o, k, c].
${flatPrelude().join("\n")}
const LOWEST: f32 = -3.4028234663852886e38; // the most negative finite f32: the max of nothing

${decls}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let count = params.outer * params.inner;
  for (var t = 0u; t < PER_THREAD; t++) {
    let i = group.x * BLOCK + t * WG + tid;
    if (i < count) {
      let o = i / params.inner; // outer index
      let c = i % params.inner; // inner index
      var acc = ${op === "max" ? "LOWEST" : "0.0"};
      for (var k = 0u; k < params.n; k++) {
        let v = x[(o * params.n + k) * params.inner + c];
        acc = ${COMBINE[op]};
      }
      out[i] = ${result};
    }
  }
}
`;
  return flatKernel(name, wgsl, bindings, params, "outer * inner");
}

/**
 * out[o, k, c] = x[o, START + k, c]: a slice of the middle axis of x viewed as [outer, n, inner].
 * Bindings: params {outer, n, kept, inner}, x [outer, n, inner] (read), out [outer, kept, inner]
 * (read_write). Dispatch: ceil(outer · kept · inner / 1024) workgroups.
 */
export function sliceKernel(start: number): Kernel {
  if (!Number.isInteger(start) || start < 0)
    throw new RangeError(`slice start must be an integer ≥ 0, got ${start}`);
  const params = [
    { name: "outer", value: "outer" },
    { name: "n", value: "n" },
    { name: "kept", value: "kept" },
    { name: "inner", value: "inner" },
  ];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: "f32", doc: "[outer, n, inner] input" },
    { name: "out", access: "read_write", type: "f32", doc: "[outer, kept, inner] the slice" },
  ]);
  const name = `slice_from${start}`;
  const wgsl = `// ${name}: out[o, k, c] = x[o, START + k, c] for k < kept.
${[...flatPrelude(), constU32("START", start, "the first position kept")].join("\n")}

${decls}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let count = params.outer * params.kept * params.inner;
  for (var t = 0u; t < PER_THREAD; t++) {
    let i = group.x * BLOCK + t * WG + tid;
    if (i < count) {
      let c = i % params.inner; // inner index
      let row = i / params.inner; // o * kept + k
      let k = row % params.kept;
      let o = row / params.kept;
      out[i] = x[(o * params.n + START + k) * params.inner + c];
    }
  }
}
`;
  return flatKernel(name, wgsl, bindings, params, "outer * kept * inner");
}
