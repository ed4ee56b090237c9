import { dimEvaluate, dimFromJson } from "../../contracts/dims.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { WeightMap } from "../reference/executor.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { evaluateSize, type Kernel, paramBytes, workgroupCounts } from "../../contracts/kernel.ts";
import { describeStep, forwardError, type Dispatch } from "./failing-step.ts";
import {
  mapForReading,
  scoped,
  submitAndRead,
  throwIfCaught,
  throwIfFailed,
  watchDevice,
} from "./gpu-errors.ts";
import { pipelineFor } from "./run-kernel.ts";

type PlanBuffer = KernelPlan["buffers"][number];
type PlanStep = KernelPlan["steps"][number];

/** A step ready to encode: its pipeline, bind group and uniform buffer. */
interface PreparedStep {
  step: PlanStep;
  kernel: Kernel;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  uniform?: GPUBuffer;
}

/** Told of each unit of loading work: a phase, how many units are done and how many in all. */
export type LoadProgress = (phase: string, done: number, total: number) => void;

/** What to read back after a forward pass. */
export type Readback = "outputs" | "next-token" | "top-k" | "none";

/** GPU time of each kernel in one forward pass (timestamp queries), in nanoseconds. */
export type KernelTimes = Map<string, { nanoseconds: number; dispatches: number }>;

export interface ForwardResult {
  /** Per-kernel GPU time, when the forward was profiled and the adapter has timestamp queries. */
  kernelTimes?: KernelTimes;
  outputs: Record<string, Tensor>;
  /** Greedy next token per sequence (generation plans). */
  nextTokens?: Uint32Array;
  /** The k likeliest next tokens per sequence and their logits (generation plans). */
  topK?: { values: Float32Array; indices: Uint32Array; k: number };
}

/**
 * A model loaded onto a WebGPU device: weights uploaded once, activations in storage slots shared
 * by lifetime, one KV cache per attention layer sized from the sequence bound. A forward pass is
 * one command encoder with every dispatch and no CPU round trip inside it.
 */
export class WebGpuModel {
  private readonly storage = new Map<number, GPUBuffer>();
  private prepared: PreparedStep[] = [];
  /** Positions already in the KV caches. */
  past = 0;
  private encoderDone = false;

  private constructor(
    readonly device: GPUDevice,
    readonly ir: TypedIr,
    readonly plan: KernelPlan,
  ) {}

  /**
   * Uploads weights and constants, allocates every buffer and compiles every pipeline.
   * `progress` hears about each weight uploaded and each pipeline compiled. A weight buffer the
   * plan packs (f16, q8, q4) is uploaded from `packed`, the words a bundle stores, as they are.
   */
  static async load(
    device: GPUDevice,
    ir: TypedIr,
    plan: KernelPlan,
    weights: WeightMap,
    progress?: LoadProgress,
    packed: ReadonlyMap<string, Uint32Array> = new Map(),
  ): Promise<WebGpuModel> {
    const model = new WebGpuModel(device, ir, plan);
    watchDevice(device);
    throwIfFailed(device, "loading the model");
    model.checkLimits();
    // Kernels compile on Dawn's worker threads while this thread uploads the weights; their
    // progress is told once the uploads are done, so the phases come one after the other.
    const compiling = model.compileKernels(progress);
    const { caught } = scoped(device, () => model.allocate(weights, packed, progress));
    await throwIfCaught(caught, `allocating the model's buffers (${model.bufferBytes()})`);
    compiling.tell();
    await model.prepare(compiling.pipelines);
    throwIfFailed(device, "loading the model");
    return model;
  }

  /** Refuses, before allocating anything, a buffer the device cannot bind or create. */
  private checkLimits(): void {
    const limits = this.device.limits;
    const most = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    for (const b of this.plan.buffers) {
      if (bytes(b.maxElements) <= most) continue;
      throw new RangeError(
        `buffer \`${b.name}\` needs ${bytes(b.maxElements).toLocaleString("en-US")} bytes, but this device binds at most ${most.toLocaleString("en-US")} (maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}, maxBufferSize ${limits.maxBufferSize}); lower the sequence bound or the batch, or use an adapter with larger limits`,
      );
    }
  }

  /** The bytes of device memory the plan's buffers take, for messages. */
  private bufferBytes(): string {
    let total = 0;
    for (const b of this.plan.buffers) if (b.slot === undefined) total += bytes(b.maxElements);
    for (const elements of this.slotElements().values()) total += bytes(elements);
    return `${total.toLocaleString("en-US")} bytes in all`;
  }

  /** The elements of each storage slot: its largest buffer's. */
  private slotElements(): Map<number, number> {
    const slots = new Map<number, number>();
    for (const b of this.plan.buffers)
      if (b.slot !== undefined) slots.set(b.slot, Math.max(slots.get(b.slot) ?? 0, b.maxElements));
    return slots;
  }

  private allocate(
    weights: WeightMap,
    packed: ReadonlyMap<string, Uint32Array>,
    progress?: LoadProgress,
  ): void {
    const total = this.plan.buffers.filter((b) => b.kind === "weight").length;
    let uploaded = 0;
    progress?.("upload weights", 0, total);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const slots = new Map<number, GPUBuffer>();
    for (const [slot, elements] of this.slotElements())
      slots.set(
        slot,
        this.device.createBuffer({ size: bytes(elements), usage, label: `slot ${slot}` }),
      );
    for (const b of this.plan.buffers) {
      if (b.slot !== undefined) {
        this.storage.set(b.id, slots.get(b.slot)!);
        continue;
      }
      const buffer = this.device.createBuffer({ size: bytes(b.maxElements), usage, label: b.name });
      this.storage.set(b.id, buffer);
      if (b.kind === "weight") {
        this.device.queue.writeBuffer(
          buffer,
          0,
          b.format ? packedData(b, packed) : weightData(b, weights),
        );
        progress?.("upload weights", ++uploaded, total);
      }
      if (b.kind === "constant")
        this.device.queue.writeBuffer(buffer, 0, Float32Array.from(b.data ?? []));
    }
  }

  /**
   * Starts compiling every kernel's pipeline; a failure surfaces where `prepare` awaits it.
   * Progress is told from `tell()` on: the kernels compiled so far, then each as it finishes.
   */
  private compileKernels(progress?: LoadProgress): {
    pipelines: Map<string, Promise<GPUComputePipeline>>;
    tell: () => void;
  } {
    const total = this.plan.kernels.length;
    let compiled = 0;
    let telling = false;
    const pipelines = new Map(
      this.plan.kernels.map((k) => [
        k.name,
        pipelineFor(this.device, k).then((p) => {
          compiled++;
          if (telling) progress?.("compile kernels", compiled, total);
          return p;
        }),
      ]),
    );
    // Handled here so a load that fails first (allocating) leaves no unhandled rejection.
    for (const pipeline of pipelines.values()) pipeline.catch(() => {});
    const tell = () => {
      telling = true;
      progress?.("compile kernels", compiled, total);
    };
    return { pipelines, tell };
  }

  private async prepare(pipelines: Map<string, Promise<GPUComputePipeline>>): Promise<void> {
    const kernels = new Map(this.plan.kernels.map((k) => [k.name, k]));
    this.prepared = await Promise.all(
      this.plan.steps.map(async (step, index) => {
        const kernel = kernels.get(step.kernel)!;
        const pipeline = await pipelines.get(step.kernel)!;
        const { value, caught } = scoped(this.device, () => this.bind(step, kernel, pipeline));
        await throwIfCaught(caught, `binding the buffers of ${describeStep(index, step)}`);
        return value;
      }),
    );
  }

  /** A step's bind group (its plan buffers, and a params uniform of its own when it has params). */
  private bind(step: PlanStep, kernel: Kernel, pipeline: GPUComputePipeline): PreparedStep {
    let uniform: GPUBuffer | undefined;
    let next = 0;
    const entries = kernel.bindings.map((binding, i) => {
      if (binding.access === "uniform") {
        uniform = this.device.createBuffer({
          size: Math.max(16, Math.ceil(kernel.params.length / 4) * 16),
          usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        });
        return { binding: i, resource: { buffer: uniform } };
      }
      return { binding: i, resource: { buffer: this.storage.get(step.buffers[next++]!)! } };
    });
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries,
      label: step.kernel,
    });
    return { step, kernel, pipeline, bindGroup, ...(uniform ? { uniform } : {}) };
  }

  /** Forgets the KV caches and the encoder's output: the next forward starts a new sequence. */
  reset(): void {
    this.past = 0;
    this.encoderDone = false;
  }

  /** Runtime sizes from the inputs' shapes (symbols of the IR) plus `past`. */
  private runtimeSizes(inputs: Readonly<Record<string, Tensor>>): Record<string, number> {
    const sizes: Record<string, number> = { past: this.past };
    for (const input of this.ir.inputs) {
      const tensor = inputs[input.name];
      if (!tensor) continue;
      input.shape.forEach((axis, i) => {
        if (typeof axis === "string" && /^[A-Za-z_]\w*$/.test(axis)) sizes[axis] = tensor.shape[i]!;
      });
    }
    sizes["batch"] = sizes[this.plan.sizes.batch] ?? 1;
    for (const [name, max] of Object.entries(this.plan.sizes.max)) {
      if ((sizes[name] ?? 0) > max)
        throw new RangeError(
          name === this.plan.sizes.batch
            ? `batch ${name} = ${sizes[name]} is above the compiled bound ${max}: compile with \`--max-batch ${sizes[name]}\` or declare \`${name} <= N\` in the spec's input`
            : `${name} = ${sizes[name]} is above the compiled bound ${max}`,
        );
    }
    const step = this.plan.sizes.step;
    if (step && this.past + (sizes[step] ?? 0) > (this.plan.sizes.max[step] ?? Infinity)) {
      throw new RangeError(
        `the sequence would reach ${this.past + sizes[step]!} positions, above its bound ${this.plan.sizes.max[step]}`,
      );
    }
    return sizes;
  }

  /**
   * Runs the model on new inputs (for a generating model, the step input holds only the new
   * positions; the caches hold the earlier ones). Reads back what `readback` asks for.
   */
  async forward(
    inputs: Readonly<Record<string, Tensor>>,
    readback: Readback = "outputs",
    profile = false,
  ): Promise<ForwardResult> {
    const sizes = this.runtimeSizes(inputs);
    const doing = "running the forward pass";
    const { submitted, data } = await submitAndRead(
      this.device,
      doing,
      () => this.submit(inputs, sizes, readback, profile),
      (caught, { dispatches }) => forwardError(this.device, caught, dispatches),
    );
    const result = this.collect(submitted.reads, data, sizes);
    if (submitted.timed.length > 0)
      result.kernelTimes = await this.kernelTimes(submitted.timed, doing);
    const step = this.plan.sizes.step;
    if (step !== null) this.past += sizes[step] ?? 0;
    this.encoderDone = step !== null;
    return result;
  }

  /**
   * Writes the inputs, encodes every dispatch of this forward pass and the copies of what to read
   * back, and submits them: one command buffer. Returns the staging buffers and what was encoded.
   */
  private submit(
    inputs: Readonly<Record<string, Tensor>>,
    sizes: Record<string, number>,
    readback: Readback,
    profile: boolean,
  ) {
    for (const input of this.ir.inputs) {
      const tensor = inputs[input.name];
      if (!tensor) continue;
      const data =
        input.dtype === "float" ? Float32Array.from(tensor.data) : Uint32Array.from(tensor.data);
      this.device.queue.writeBuffer(this.storage.get(this.inputBuffer(input.value))!, 0, data);
    }
    const step = this.plan.sizes.step;
    const decoding = step !== null && sizes[step] === 1;
    const encoder = this.device.createCommandEncoder();
    const timing =
      profile && this.device.features.has("timestamp-query") ? this.timestamps() : undefined;
    const timed: string[] = [];
    const dispatches: Dispatch[] = [];
    // Profiling needs a pass per dispatch (timestamps are written at pass boundaries); otherwise one pass.
    let pass: GPUComputePassEncoder | undefined = timing ? undefined : encoder.beginComputePass();
    this.prepared.forEach((prepared, index) => {
      const { step: s, kernel } = prepared;
      if (s.phase === "encoder" && this.encoderDone) return;
      if ((s.when === "decode" && !decoding) || (s.when === "prefill" && decoding)) return;
      if (s.readback !== undefined && s.readback !== readback) return;
      const kernelSizes: Record<string, number> = {};
      for (const [name, expr] of Object.entries(s.sizes))
        kernelSizes[name] = evaluateSize(expr, sizes);
      const counts = workgroupCounts(kernel, kernelSizes);
      if (counts.some((c) => c === 0)) return;
      if (prepared.uniform)
        this.device.queue.writeBuffer(prepared.uniform, 0, paramBytes(kernel, kernelSizes));
      if (timing && timed.length < timing.capacity) {
        const index = timed.length * 2;
        pass = encoder.beginComputePass({
          timestampWrites: {
            querySet: timing.set,
            beginningOfPassWriteIndex: index,
            endOfPassWriteIndex: index + 1,
          },
        });
        timed.push(kernel.name);
      } else if (!pass) {
        pass = encoder.beginComputePass();
      }
      pass.setPipeline(prepared.pipeline);
      pass.setBindGroup(0, prepared.bindGroup);
      pass.dispatchWorkgroups(...counts);
      dispatches.push({ ...prepared, index, counts });
      if (timing) {
        pass.end();
        pass = undefined;
      }
    });
    pass?.end();
    if (timing && timed.length > 0) {
      encoder.resolveQuerySet(timing.set, 0, timed.length * 2, timing.resolve, 0);
      encoder.copyBufferToBuffer(timing.resolve, 0, timing.read, 0, timed.length * 16);
    }
    const reads = this.readbacks(encoder, readback, sizes);
    this.device.queue.submit([encoder.finish()]);
    return { reads, staging: reads.map((r) => r.staging), timed, dispatches };
  }

  private timing?: { set: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer; capacity: number };

  /** The query set and buffers for profiling, made once: two timestamps per dispatch. */
  private timestamps() {
    if (!this.timing) {
      const capacity = Math.min(this.prepared.length, 2048);
      this.timing = {
        set: this.device.createQuerySet({ type: "timestamp", count: capacity * 2 }),
        resolve: this.device.createBuffer({
          size: capacity * 16,
          usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
        }),
        read: this.device.createBuffer({
          size: capacity * 16,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
        capacity,
      };
    }
    return this.timing;
  }

  /** What the timestamp queries of the last forward pass measured, kernel by kernel. */
  private async kernelTimes(timed: string[], doing: string): Promise<KernelTimes> {
    const timing = this.timing!;
    await mapForReading(this.device, timing.read, `profiling ${doing}`);
    const stamps = new BigUint64Array(timing.read.getMappedRange().slice(0, timed.length * 16));
    timing.read.unmap();
    const times: KernelTimes = new Map();
    timed.forEach((name, i) => {
      const entry = times.get(name) ?? { nanoseconds: 0, dispatches: 0 };
      const elapsed = Number(stamps[2 * i + 1]! - stamps[2 * i]!);
      entry.nanoseconds += Math.max(0, elapsed);
      entry.dispatches++;
      times.set(name, entry);
    });
    return times;
  }

  private inputBuffer(value: number): number {
    const name = this.ir.inputs.find((i) => i.value === value)!.name;
    return this.plan.buffers.find((b) => b.kind === "input" && b.name === name)!.id;
  }

  private readbacks(encoder: GPUCommandEncoder, readback: Readback, sizes: Record<string, number>) {
    const wanted: { key: string; buffer: PlanBuffer; elements: number }[] = [];
    const byName = (name: string) => this.plan.buffers.find((b) => b.name === name);
    if (readback === "outputs") {
      for (const output of this.ir.outputs) {
        const buffer = this.plan.buffers.find(
          (b) => b.kind === "output" && b.name === nodeName(this.ir, output.value),
        );
        if (buffer)
          wanted.push({
            key: `output:${output.name}`,
            buffer,
            elements: evaluateSize(buffer.elements, sizes),
          });
      }
    } else if (readback === "next-token") {
      wanted.push({ key: "next", buffer: byName("next_token")!, elements: sizes["batch"]! });
    } else if (readback === "top-k") {
      const k = byName("top_k.values")!.maxElements / (this.plan.sizes.max["batch"] ?? 1);
      wanted.push({
        key: "values",
        buffer: byName("top_k.values")!,
        elements: sizes["batch"]! * k,
      });
      wanted.push({
        key: "indices",
        buffer: byName("top_k.indices")!,
        elements: sizes["batch"]! * k,
      });
    }
    return wanted.map((w) => {
      const size = bytes(w.elements);
      const staging = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      encoder.copyBufferToBuffer(this.storage.get(w.buffer.id)!, 0, staging, 0, size);
      return { ...w, staging };
    });
  }

  /** The forward pass's results from the bytes read back for each of `reads`. */
  private collect(
    reads: ReturnType<WebGpuModel["readbacks"]>,
    data: ArrayBuffer[],
    sizes: Record<string, number>,
  ): ForwardResult {
    const result: ForwardResult = { outputs: {} };
    reads.forEach((read, i) => {
      const copy = data[i]!.slice(0, read.elements * 4);
      if (read.key.startsWith("output:")) {
        const name = read.key.slice("output:".length);
        const value = this.ir.values.find(
          (v) => v.id === this.ir.outputs.find((o) => o.name === name)!.value,
        )!;
        const shape = value.shape.map((d) =>
          dimEvaluate(dimFromJson(d)!, new Map(Object.entries(sizes)))!,
        );
        result.outputs[name] = { shape, data: Float64Array.from(new Float32Array(copy)) };
      } else if (read.key === "next") {
        result.nextTokens = new Uint32Array(copy);
      } else if (read.key === "values") {
        const values = new Float32Array(copy);
        result.topK = { values, indices: new Uint32Array(0), k: values.length / sizes["batch"]! };
      } else {
        result.topK!.indices = new Uint32Array(copy);
      }
    });
    return result;
  }

  /** A plan buffer's contents now, by name: views of intermediate data such as attention maps. */
  async readBuffer(name: string): Promise<Float32Array> {
    const buffer = this.plan.buffers.find((b) => b.name === name);
    if (!buffer) throw new RangeError(`the plan has no buffer \`${name}\``);
    const size = bytes(buffer.maxElements);
    const { data } = await submitAndRead(this.device, `reading buffer \`${name}\``, () => {
      const staging = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(this.storage.get(buffer.id)!, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      return { staging: [staging] };
    });
    return new Float32Array(data[0]!.slice(0, buffer.maxElements * 4));
  }

  /** Frees every GPU buffer. */
  destroy(): void {
    for (const buffer of new Set(this.storage.values())) buffer.destroy();
    for (const p of this.prepared) p.uniform?.destroy();
  }
}

function nodeName(ir: TypedIr, value: number): string {
  const input = ir.inputs.find((i) => i.value === value);
  return input ? input.name : ir.nodes.find((n) => n.output === value)!.name;
}

function bytes(elements: number): number {
  return Math.max(16, Math.ceil((elements * 4) / 16) * 16);
}

/** A packed weight buffer's contents: its tensors' words concatenated (rows stay whole). */
function packedData(
  buffer: PlanBuffer,
  packed: ReadonlyMap<string, Uint32Array>,
): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(buffer.maxElements);
  let offset = 0;
  for (const name of buffer.weights ?? []) {
    const words = packed.get(name);
    if (!words) throw new RangeError(`weight \`${name}\` has no ${buffer.format} words`);
    if (offset + words.length > out.length)
      throw new RangeError(`the ${buffer.format} words of \`${buffer.name}\` exceed its buffer`);
    out.set(words, offset);
    offset += words.length;
  }
  return out;
}

/** A weight buffer's contents: its tensors concatenated, as f32. */
function weightData(buffer: PlanBuffer, weights: WeightMap): Float32Array<ArrayBuffer> {
  const out = new Float32Array(buffer.maxElements);
  let offset = 0;
  for (const name of buffer.weights ?? []) {
    const tensor = weights.get(name);
    if (!tensor) throw new RangeError(`weight \`${name}\` is missing`);
    out.set(tensor.data, offset);
    offset += tensor.data.length;
  }
  return out;
}
