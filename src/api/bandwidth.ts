import {
  STREAM_READ_WORKGROUP,
  streamReadKernel,
  type StreamReadLayout,
} from "../compiler/codegen/stream-read.ts";
import { measureReadBandwidth, type ReadBandwidth } from "../runtime/webgpu/bandwidth.ts";

export type { ReadBandwidth } from "../runtime/webgpu/bandwidth.ts";
export { decodeWeightBytes } from "../contracts/plan/decode-bytes.ts";

/**
 * Bytes the bandwidth kernel reads: 128 MiB, WebGPU's baseline maxStorageBufferBindingSize, and
 * larger than the last-level cache of CPUs and GPUs (an H100's L2 holds 50 MB), so the reads
 * come from memory.
 */
export const BANDWIDTH_BYTES = 2 ** 27;

/** Workgroups of the bandwidth kernel, per layout: strided fills a large GPU; contiguous runs
 * stay long for a CPU adapter's cores (64 · 256 runs of 512 vec4s over 128 MiB). */
const WORKGROUPS: Record<StreamReadLayout, number> = { strided: 1024, contiguous: 64 };

/**
 * The device's streaming-read bandwidth: the faster of two kernels (strided and contiguous
 * reads, see stream-read.ts) that read BANDWIDTH_BYTES (or the device's binding limit, if smaller)
 * once a dispatch, each the median of `runs`: the limit a decode step, which reads every weight
 * once a token, runs against.
 */
export async function measureDeviceBandwidth(
  device: GPUDevice,
  runs = 5,
): Promise<ReadBandwidth & { layout: StreamReadLayout }> {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  let best: (ReadBandwidth & { layout: StreamReadLayout }) | undefined;
  for (const layout of ["strided", "contiguous"] as const) {
    const invocations = WORKGROUPS[layout] * STREAM_READ_WORKGROUP;
    const bytes =
      Math.floor(Math.min(BANDWIDTH_BYTES, limit) / (16 * invocations)) * 16 * invocations;
    const kernel = streamReadKernel(bytes / 16, WORKGROUPS[layout], layout);
    const measured = await measureReadBandwidth(device, kernel, bytes, invocations, runs);
    if (!best || measured.bytesPerSecond > best.bytesPerSecond) best = { ...measured, layout };
  }
  return best!;
}
