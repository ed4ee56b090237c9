import { type Kernel, paramBytes, workgroupCounts } from "../../contracts/kernel.ts";
import {
  gpuError,
  pipelineError,
  scoped,
  submitAndRead,
  throwIfCaught,
  watchDevice,
} from "./gpu-errors.ts";

/** Host data for one binding: f32 or u32 values. */
export type HostArray = Float32Array | Uint32Array | Int32Array;

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/** The compute pipeline of a kernel, compiled once per device; a failure is a LoomError (E0805, E0801, E0803). */
export function pipelineFor(device: GPUDevice, kernel: Kernel): Promise<GPUComputePipeline> {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const key = `${kernel.name}\n${kernel.wgsl}`;
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = compile(device, kernel);
    cache.set(key, pipeline);
  }
  return pipeline;
}

async function compile(device: GPUDevice, kernel: Kernel): Promise<GPUComputePipeline> {
  watchDevice(device);
  const doing = `compiling kernel \`${kernel.name}\``;
  const { value: module, caught } = scoped(device, () =>
    device.createShaderModule({ code: kernel.wgsl, label: kernel.name }),
  );
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === "error");
  if (errors.length > 0) {
    const [first, ...rest] = errors.map(
      (m) => `${kernel.name}:${m.lineNum}:${m.linePos}: ${m.message}`,
    );
    throw gpuError(
      "E0805",
      `the WGSL of kernel \`${kernel.name}\` does not compile: ${first}`,
      rest,
    );
  }
  await throwIfCaught(caught, doing);
  try {
    return await device.createComputePipelineAsync({
      layout: "auto",
      compute: { module, entryPoint: kernel.entryPoint },
      label: kernel.name,
    });
  } catch (error) {
    throw pipelineError(error, `creating the pipeline of kernel \`${kernel.name}\``);
  }
}

/**
 * Runs one kernel once on host data (for tests and micro-benchmarks): uploads every binding,
 * dispatches at the given runtime sizes, and reads back the read_write bindings as f32.
 * `params` (the uniform) is filled from the kernel's params and must not be given.
 */
export async function runKernel(
  device: GPUDevice,
  kernel: Kernel,
  host: Readonly<Record<string, HostArray>>,
  sizes: Readonly<Record<string, number>>,
): Promise<Record<string, Float32Array>> {
  const pipeline = await pipelineFor(device, kernel);
  const buffers: GPUBuffer[] = [];
  try {
    const { submitted, data } = await submitAndRead(
      device,
      `running kernel \`${kernel.name}\``,
      () => {
        const readbacks = submitOnce(device, kernel, pipeline, host, sizes, buffers);
        return { names: readbacks.map((r) => r.name), staging: readbacks.map((r) => r.read) };
      },
    );
    return Object.fromEntries(submitted.names.map((name, i) => [name, new Float32Array(data[i]!)]));
  } finally {
    for (const b of buffers) b.destroy();
  }
}

/** Uploads every binding of `kernel`, dispatches it once and queues the copies of its outputs. */
function submitOnce(
  device: GPUDevice,
  kernel: Kernel,
  pipeline: GPUComputePipeline,
  data: Readonly<Record<string, HostArray>>,
  sizes: Readonly<Record<string, number>>,
  buffers: GPUBuffer[],
): { name: string; read: GPUBuffer }[] {
  const outputs: { name: string; buffer: GPUBuffer; size: number }[] = [];
  const entries = kernel.bindings.map((binding, i) => {
    if (binding.access === "uniform") {
      const bytes = paramBytes(kernel, sizes);
      const buffer = device.createBuffer({
        size: bytes.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, bytes);
      buffers.push(buffer);
      return { binding: i, resource: { buffer } };
    }
    const host = data[binding.name];
    if (!host)
      throw new RangeError(`kernel ${kernel.name}: no data for binding \`${binding.name}\``);
    const size = Math.max(16, Math.ceil(host.byteLength / 16) * 16);
    const buffer = device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(buffer, 0, host.buffer, host.byteOffset, host.byteLength);
    buffers.push(buffer);
    if (binding.access === "read_write")
      outputs.push({ name: binding.name, buffer, size: host.byteLength });
    return { binding: i, resource: { buffer } };
  });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...workgroupCounts(kernel, sizes));
  pass.end();
  const readbacks = outputs.map((o) => {
    const read = device.createBuffer({
      size: Math.ceil(o.size / 4) * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(o.buffer, 0, read, 0, Math.ceil(o.size / 4) * 4);
    return { name: o.name, read };
  });
  device.queue.submit([encoder.finish()]);
  return readbacks;
}
