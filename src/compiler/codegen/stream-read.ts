/**
 * A streaming read: every invocation sums a strided share of a large buffer, so a dispatch reads
 * each byte once and does almost nothing else. Its time measures the adapter's read bandwidth,
 * the limit a decode step (which reads every weight once a token) runs against (`loom bench`).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { constU32 } from "./elementwise-wgsl.ts";

/** Invocations per workgroup (WebGPU's baseline allows 256). */
export const STREAM_READ_WORKGROUP = 256;

/**
 * The kernel reading `vec4s` vec4<f32> (16 bytes each) with `workgroups` workgroups of
 * STREAM_READ_WORKGROUP invocations: invocation g reads data[g], data[g + G], data[g + 2G], …
 * (G invocations in all, so neighbouring invocations read neighbouring vec4s) and writes its sum
 * to sums[g], which keeps the reads from being optimised away.
 * Bindings: data [vec4s] vec4<f32> (read), sums [G] f32 (read_write). No params.
 */
export function streamReadKernel(vec4s: number, workgroups: number): Kernel {
  const invocations = workgroups * STREAM_READ_WORKGROUP;
  const wgsl = `${constU32("COUNT", vec4s, "vec4s to read")}
${constU32("STRIDE", invocations, "invocations in the dispatch")}
// data: [COUNT] vec4<f32>
@group(0) @binding(0) var<storage, read> data: array<vec4<f32>>;
// sums: [STRIDE] f32
@group(0) @binding(1) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(${STREAM_READ_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  for (var i = gid.x; i < COUNT; i += STRIDE) {
    acc += data[i];
  }
  sums[gid.x] = acc.x + acc.y + acc.z + acc.w;
}
`;
  return {
    name: `stream_read_v${vec4s}_wg${workgroups}`,
    wgsl,
    entryPoint: "main",
    bindings: [
      { name: "data", access: "read" },
      { name: "sums", access: "read_write" },
    ],
    workgroupSize: [STREAM_READ_WORKGROUP, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [workgroups, 1, 1],
    params: [],
  };
}
