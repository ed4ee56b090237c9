import { type Kernel, workgroupCounts } from "../../contracts/kernel.ts";
import { scoped, submitAndRead, throwIfCaught } from "./gpu-errors.ts";
import { pipelineFor } from "./run-kernel.ts";

/** A measured read bandwidth: bytes read per second, and how it was measured. */
export interface ReadBandwidth {
  bytesPerSecond: number;
  /** Bytes one dispatch reads. */
  bytes: number;
  /** Seconds of each timed submission, divided by its dispatches (the median is the figure). */
  secondsPerDispatch: number[];
}

/** Seconds a timed submission should last, so its submission and readback cost is a small share. */
const RUN_SECONDS = 0.05;

/** Dispatches per timed submission, at most. */
const MAX_DISPATCHES = 256;

/**
 * Runs a streaming-read kernel (compiler/codegen/stream-read.ts: bindings `data`, then `sums`)
 * over a buffer of `bytes` bytes of ones: one warm-up dispatch that also sizes the runs, then
 * `runs` timed submissions of as many dispatches as last about RUN_SECONDS (at least 2), each
 * timed from submit to its 16-byte readback. The bandwidth is bytes over the median time of a
 * dispatch; GPU errors throw (E08xx).
 */
export async function measureReadBandwidth(
  device: GPUDevice,
  kernel: Kernel,
  bytes: number,
  sums: number,
  runs = 5,
): Promise<ReadBandwidth> {
  const doing = `measuring the read bandwidth (kernel \`${kernel.name}\`)`;
  const pipeline = await pipelineFor(device, kernel);
  const { value: buffers, caught } = scoped(device, () => {
    const data = device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.STORAGE,
      mappedAtCreation: true,
    });
    new Float32Array(data.getMappedRange()).fill(1);
    data.unmap();
    const out = device.createBuffer({
      size: sums * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: data } },
        { binding: 1, resource: { buffer: out } },
      ],
    });
    return { data, out, bindGroup };
  });
  try {
    await throwIfCaught(caught, doing);
    const once = async (dispatches: number): Promise<number> => {
      const start = performance.now();
      await submitAndRead(device, doing, () => {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, buffers.bindGroup);
        for (let i = 0; i < dispatches; i++)
          pass.dispatchWorkgroups(...workgroupCounts(kernel, {}));
        pass.end();
        const staging = device.createBuffer({
          size: 16,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        });
        encoder.copyBufferToBuffer(buffers.out, 0, staging, 0, 16);
        device.queue.submit([encoder.finish()]);
        return { staging: [staging] };
      });
      return (performance.now() - start) / 1000 / dispatches;
    };
    const first = await once(1);
    const dispatches = Math.min(MAX_DISPATCHES, Math.max(2, Math.ceil(RUN_SECONDS / first)));
    const secondsPerDispatch: number[] = [];
    for (let r = 0; r < runs; r++) secondsPerDispatch.push(await once(dispatches));
    const sorted = [...secondsPerDispatch].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return { bytesPerSecond: bytes / median, bytes, secondsPerDispatch };
  } finally {
    buffers.data.destroy();
    buffers.out.destroy();
  }
}
