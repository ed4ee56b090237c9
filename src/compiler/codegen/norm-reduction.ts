/**
 * Workgroup tree reductions in WGSL, shared by the one-workgroup-per-row kernels (norms, the fused
 * residual-add + norm, softmax). No subgroup operations are assumed: partial values go through
 * `var<workgroup>` memory and halve each step (log2(WG) barriers).
 */

/** Bytes of workgroup memory the reductions declare for a workgroup of `workgroupSize` threads. */
export function reductionStorageBytes(workgroupSize: number): number {
  return workgroupSize * 4;
}

/**
 * WGSL of `workgroup_sum(tid, value)` and `workgroup_max(tid, value)`: every thread passes its
 * partial value and gets the workgroup's total back. They must be called from uniform control
 * flow; the scratch array is reused, so each ends with a barrier. Needs a `WG` const (a power of 2).
 */
export function workgroupReductionsWgsl(): string {
  const reduction = (name: string, combine: string) => `
fn workgroup_${name}(tid: u32, value: f32) -> f32 {
  reduce_scratch[tid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      let a = reduce_scratch[tid];
      let b = reduce_scratch[tid + stride];
      reduce_scratch[tid] = ${combine};
    }
    workgroupBarrier();
  }
  let total = reduce_scratch[0];
  workgroupBarrier(); // the scratch is reused by the next reduction
  return total;
}
`;
  return `
// Tree reductions over the workgroup: WG partial values, halved log2(WG) times.
var<workgroup> reduce_scratch: array<f32, WG>;
${reduction("sum", "a + b")}${reduction("max", "max(a, b)")}`;
}
