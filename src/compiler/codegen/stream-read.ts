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
 * How invocations share the buffer: `strided`, neighbouring invocations read neighbouring vec4s
 * (what GPUs coalesce); `contiguous`, each invocation reads one run of vec4s (what a CPU adapter,
 * running an invocation's loop on one core, streams best).
 */
export type StreamReadLayout = "strided" | "contiguous";

/**
 * The kernel reading `vec4s` vec4<f32> (16 bytes each) with `workgroups` workgroups of
 * STREAM_READ_WORKGROUP invocations (G in all): `strided`, invocation g reads data[g],
 * data[g + G], data[g + 2G], …; `contiguous`, it reads data[g·R] to data[g·R + R − 1], R = vec4s / G
 * (vec4s must be a multiple of G). It writes its sum to sums[g], which keeps the reads from being
 * optimised away.
 * Bindings: data [vec4s] vec4<f32> (read), sums [G] f32 (read_write). No params.
 */
export function streamReadKernel(
  vec4s: number,
  workgroups: number,
  layout: StreamReadLayout = "strided",
): Kernel {
  const invocations = workgroups * STREAM_READ_WORKGROUP;
  if (layout === "contiguous" && vec4s % invocations !== 0)
    throw new RangeError(`${vec4s} vec4s do not split into ${invocations} equal runs`);
  const loop =
    layout === "strided"
      ? `for (var i = gid.x; i < COUNT; i += STRIDE) {
    acc += data[i];
  }`
      : `let first = gid.x * RUN;
  for (var i = first; i < first + RUN; i++) {
    acc += data[i];
  }`;
  const wgsl = `${constU32("COUNT", vec4s, "vec4s to read")}
${constU32("STRIDE", invocations, "invocations in the dispatch")}
${constU32("RUN", Math.floor(vec4s / invocations), "vec4s each invocation reads (contiguous)")}
// data: [COUNT] vec4<f32>
@group(0) @binding(0) var<storage, read> data: array<vec4<f32>>;
// sums: [STRIDE] f32
@group(0) @binding(1) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(${STREAM_READ_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var acc = vec4<f32>(0.0);
  ${loop}
  sums[gid.x] = acc.x + acc.y + acc.z + acc.w;
}
`;
  return {
    name: `stream_read_${layout}_v${vec4s}_wg${workgroups}`,
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
