import { type Kernel, paramBytes, workgroupCounts } from "../../contracts/kernel.ts";
import { scoped, submitAndRead, throwIfCaught } from "./gpu-errors.ts";
import { pipelineFor } from "./run-kernel.ts";

/**
 * One kernel with its buffers resident on the device, for benchmarks and tile tuning: each run
 * writes only the params uniform, dispatches and reads one binding back.
 */
export class ResidentKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly kernel: Kernel,
    private readonly pipeline: GPUComputePipeline,
    private readonly buffers: Map<string, GPUBuffer>,
    private readonly uniform: GPUBuffer,
    private readonly bindGroup: GPUBindGroup,
  ) {}

  static async create(
    device: GPUDevice,
    kernel: Kernel,
    data: Record<string, Float32Array>,
  ): Promise<ResidentKernel> {
    const pipeline = await pipelineFor(device, kernel);
    const { value, caught } = scoped(device, () => upload(device, kernel, pipeline, data));
    await throwIfCaught(caught, `uploading the buffers of kernel \`${kernel.name}\``);
    return new ResidentKernel(
      device,
      kernel,
      pipeline,
      value.buffers,
      value.uniform,
      value.bindGroup,
    );
  }

  async run(sizes: Record<string, number>, readBack: string): Promise<Float32Array> {
    const doing = `running kernel \`${this.kernel.name}\``;
    const { data } = await submitAndRead(this.device, doing, () => ({
      staging: [this.submit(sizes, readBack)],
    }));
    return new Float32Array(data[0]!);
  }

  /** Dispatches once at `sizes` and queues the copy of binding `readBack`; returns its staging buffer. */
  private submit(sizes: Record<string, number>, readBack: string): GPUBuffer {
    this.device.queue.writeBuffer(this.uniform, 0, paramBytes(this.kernel, sizes));
    const source = this.buffers.get(readBack)!;
    const staging = this.device.createBuffer({
      size: source.size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(...workgroupCounts(this.kernel, sizes));
    pass.end();
    encoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
    this.device.queue.submit([encoder.finish()]);
    return staging;
  }

  /** Frees the kernel's buffers. */
  destroy(): void {
    for (const buffer of this.buffers.values()) buffer.destroy();
    this.uniform.destroy();
  }
}

/** The kernel's buffers with `data` uploaded, its params uniform and its bind group. */
function upload(
  device: GPUDevice,
  kernel: Kernel,
  pipeline: GPUComputePipeline,
  data: Record<string, Float32Array>,
) {
  const buffers = new Map<string, GPUBuffer>();
  const uniform = device.createBuffer({
    size: 64,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const entries = kernel.bindings.map((binding, i) => {
    if (binding.access === "uniform") return { binding: i, resource: { buffer: uniform } };
    const host = data[binding.name]!;
    const buffer = device.createBuffer({
      size: Math.max(16, host.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(buffer, 0, host);
    buffers.set(binding.name, buffer);
    return { binding: i, resource: { buffer } };
  });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return { buffers, uniform, bindGroup };
}
