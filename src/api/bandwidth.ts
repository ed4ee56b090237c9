import { STREAM_READ_WORKGROUP, streamReadKernel } from "../compiler/codegen/stream-read.ts";
import { measureReadBandwidth, type ReadBandwidth } from "../runtime/webgpu/bandwidth.ts";

export type { ReadBandwidth } from "../runtime/webgpu/bandwidth.ts";
export { decodeWeightBytes } from "../contracts/plan/decode-bytes.ts";

/**
 * Bytes the bandwidth kernel reads: 128 MiB, WebGPU's baseline maxStorageBufferBindingSize, and
 * larger than the last-level cache of CPUs and GPUs (an H100's L2 holds 50 MB), so the reads
 * come from memory.
 */
export const BANDWIDTH_BYTES = 2 ** 27;

/** Workgroups of the bandwidth kernel: enough to fill a large GPU, few enough to stay cheap. */
const WORKGROUPS = 1024;

/**
 * The device's streaming-read bandwidth, measured with a kernel that reads BANDWIDTH_BYTES (or
 * the device's binding limit, if smaller) once a dispatch: the limit a decode step, which reads
 * every weight once a token, runs against.
 */
export async function measureDeviceBandwidth(device: GPUDevice, runs = 5): Promise<ReadBandwidth> {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const bytes = Math.floor(Math.min(BANDWIDTH_BYTES, limit) / 16) * 16;
  const kernel = streamReadKernel(bytes / 16, WORKGROUPS);
  return measureReadBandwidth(device, kernel, bytes, WORKGROUPS * STREAM_READ_WORKGROUP, runs);
}
