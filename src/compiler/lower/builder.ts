import {
  type Dim,
  dimEvaluate,
  dimFromJson,
  dimMul,
  dimConst,
  formatDim,
} from "../../contracts/dims.ts";
import type { TypedIr, TypedNode, ValueType } from "../../contracts/ir/schema.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { Kernel, SizeExpr } from "../../contracts/kernel.ts";
import type { MatmulTiles } from "../codegen/matmul-tile.ts";
import {
  packable,
  rowWords,
  type PackedFormat,
  type WeightFormat,
} from "../../contracts/weight-format.ts";

/**
 * The formats of the matmul weights: one asked for (`loom compile --weight-format`), given to
 * every weight it can pack, or the formats a bundle recorded per tensor (lowering it again).
 */
export type WeightFormats =
  { requested: WeightFormat } | { recorded: Readonly<Record<string, WeightFormat>> };

type PlanBuffer = KernelPlan["buffers"][number];
type PlanStep = KernelPlan["steps"][number];

/** Why an IR cannot be lowered (an op or a combination the kernels do not cover yet). */
export class LoweringError extends Error {
  constructor(
    message: string,
    readonly node?: TypedNode,
  ) {
    super(message);
  }
}

/**
 * Accumulates a kernel plan while the IR is walked: kernels (deduplicated by name), buffers
 * (one per IR value, weight and cache) and steps in dispatch order.
 */
export class PlanBuilder {
  readonly kernels = new Map<string, Kernel>();
  readonly buffers: PlanBuffer[] = [];
  readonly steps: PlanStep[] = [];
  private readonly valueBuffers = new Map<number, number>();
  private readonly weightBuffers = new Map<string, number>();
  readonly values: Map<number, ValueType>;
  readonly consumers = new Map<number, TypedNode[]>();
  readonly outputs: Set<number>;

  constructor(
    readonly ir: TypedIr,
    readonly maxSizes: ReadonlyMap<string, number>,
    /** Value ids computed by encoder-phase steps (they do not depend on the step input). */
    readonly encoderValues: ReadonlySet<number>,
    /** The adapter kind whose measured tiles the kernels use. */
    readonly target: "gpu" | "cpu" = "gpu",
    /** The symbol of the positions a generation step feeds (1 while decoding), if the model generates. */
    readonly step: string | null = null,
    /** Matmul tiles measured on the target device (`loom tune`), replacing the defaults by kind. */
    readonly tiles?: MatmulTiles,
    /** The formats of matmul weights; all f32 when absent. */
    readonly formats?: WeightFormats,
  ) {
    this.values = new Map(ir.values.map((v) => [v.id, v]));
    for (const node of ir.nodes) {
      for (const id of Object.values(node.inputs)) {
        const list = this.consumers.get(id) ?? [];
        list.push(node);
        this.consumers.set(id, list);
      }
    }
    this.outputs = new Set(ir.outputs.map((o) => o.value));
  }

  /** Elements of a value as a size expression, and its largest count. */
  private extent(dims: readonly Dim[]): { elements: SizeExpr; max: number } {
    const product = dims.reduce((a, b) => dimMul(a, b), dimConst(1));
    const max = dimEvaluate(product, this.maxSizes);
    if (max === undefined) throw new LoweringError(`size ${formatDim(product)} has no bound`);
    const text = formatDim(product);
    return { elements: /^\d+$/.test(text) ? Number(text) : text, max };
  }

  shape(id: number): Dim[] {
    const value = this.values.get(id);
    if (!value) throw new LoweringError(`value ${id} has no type`);
    return value.shape.map((d) => dimFromJson(d)!);
  }

  /** Rows of a value: the product of all but its last axis, as a size expression. */
  rows(id: number): SizeExpr {
    const shape = this.shape(id);
    return this.extent(shape.slice(0, -1)).elements;
  }

  width(id: number): number {
    const shape = this.shape(id);
    return this.extent(shape.slice(-1)).max;
  }

  /** The buffer holding an IR value, created on first use. */
  value(id: number, name: string): number {
    const existing = this.valueBuffers.get(id);
    if (existing !== undefined) return existing;
    const value = this.values.get(id)!;
    const { elements, max } = this.extent(this.shape(id));
    const input = this.ir.inputs.find((i) => i.value === id);
    const kind = input ? "input" : this.outputs.has(id) ? "output" : "activation";
    const buffer = this.add({
      name,
      kind,
      dtype: value.dtype === "float" ? "f32" : "u32",
      elements,
      maxElements: max,
    });
    this.valueBuffers.set(id, buffer);
    return buffer;
  }

  /** Makes `id` share the buffer of another value (a fused op wrote it there). */
  alias(id: number, buffer: number): void {
    this.valueBuffers.set(id, buffer);
  }

  /** A weight buffer: one tensor, or several concatenated (fused QKV, stacked experts). */
  weight(names: string[], elements: number): number {
    const key = names.join("+");
    const existing = this.weightBuffers.get(key);
    if (existing !== undefined) return existing;
    const buffer = this.add({
      name: key,
      kind: "weight",
      dtype: "f32",
      elements,
      maxElements: elements,
      weights: names,
    });
    this.weightBuffers.set(key, buffer);
    return buffer;
  }

  /**
   * The format a matmul's (or an embedding gather's) weight buffers are read in, packing them
   * (dtype u32, `elements` in words) the first time: the requested format for weights of the
   * node's own whose rows of k elements it can pack, or the recorded one. A buffer an earlier
   * step bound unpacked stays f32; one already packed keeps its format (a head tied to a packed
   * embedding table reads it packed).
   */
  weightFormat(node: TypedNode, buffers: readonly number[], k: number): PackedFormat | undefined {
    const formats = buffers.map((id) => this.formatOf(node, this.buffers[id]!, k));
    const format = formats[0];
    if (formats.some((f) => f !== format))
      throw new LoweringError(`the weights of one matmul of ${node.name} differ in format`, node);
    if (format === undefined) return undefined;
    for (const id of buffers) {
      const buffer = this.buffers[id]!;
      if (buffer.format !== undefined) continue;
      buffer.dtype = "u32";
      buffer.format = format;
      buffer.elements = buffer.maxElements = (buffer.maxElements / k) * rowWords(format, k);
    }
    return format;
  }

  private formatOf(node: TypedNode, buffer: PlanBuffer, k: number): PackedFormat | undefined {
    if (buffer.format !== undefined) return buffer.format;
    if (this.steps.some((s) => s.buffers.includes(buffer.id))) return undefined;
    const names = buffer.weights ?? [];
    const formats = this.formats;
    const format =
      formats === undefined
        ? "f32"
        : "recorded" in formats
          ? (new Map(Object.entries(formats.recorded)).get(names[0]!) ?? "f32")
          : names.every((n) => n.startsWith(`${node.name}.`))
            ? formats.requested
            : "f32";
    return format !== "f32" && packable(format, k) ? format : undefined;
  }

  /** A constant buffer whose values are known at compile time. */
  constant(name: string, data: ArrayLike<number>): number {
    return this.add({
      name,
      kind: "constant",
      dtype: "f32",
      elements: data.length,
      maxElements: data.length,
      data: Array.from(data),
    });
  }

  /** The largest value of a size expression, at the bounds of its symbols. */
  maxElements(elements: SizeExpr): number {
    const max =
      typeof elements === "number" ? elements : dimEvaluate(dimFromJson(elements)!, this.maxSizes);
    if (max === undefined) throw new LoweringError(`size ${elements} has no bound`);
    return max;
  }

  scratch(
    name: string,
    elements: SizeExpr,
    dtype: "f32" | "u32" = "f32",
    kind: "scratch" | "kv_cache" = "scratch",
  ): number {
    return this.add({ name, kind, dtype, elements, maxElements: this.maxElements(elements) });
  }

  private add(buffer: Omit<PlanBuffer, "id">): number {
    const id = this.buffers.length;
    this.buffers.push({ id, ...buffer });
    return id;
  }

  /** Appends a dispatch: the kernel, its buffers (binding order, params excluded) and sizes. */
  dispatch(
    kernel: Kernel,
    buffers: number[],
    sizes: Record<string, SizeExpr>,
    nodes: TypedNode[],
    when: PlanStep["when"] = "always",
  ): void {
    const storage = kernel.bindings.filter((b) => b.access !== "uniform");
    if (storage.length !== buffers.length) {
      throw new LoweringError(
        `kernel ${kernel.name} binds ${storage.length} buffers (${storage.map((b) => b.name).join(", ")}), got ${buffers.length}`,
      );
    }
    this.kernels.set(kernel.name, kernel);
    const encoder = nodes.every((n) => this.encoderValues.has(n.output));
    this.steps.push({
      kernel: kernel.name,
      buffers,
      sizes,
      nodes: nodes.map((n) => n.name),
      phase: encoder ? "encoder" : "step",
      when,
    });
  }

  /** The single consumer of a value, when it has exactly one and is not a model output. */
  soleConsumer(id: number): TypedNode | undefined {
    const list = this.consumers.get(id) ?? [];
    return list.length === 1 && !this.outputs.has(id) ? list[0] : undefined;
  }

  /** Elements of a named weight of a node (tied weights resolve to the tied node's table). */
  weightShape(node: TypedNode, name: string): number[] {
    const own = node.weights.find((w) => w.name === name);
    if (own) return own.shape;
    if (node.tiedTo && name === "weight") {
      const target = this.ir.nodes.find((n) => n.name === node.tiedTo);
      const shape = target?.weights.find((w) => w.name === "weight")?.shape;
      if (shape) return shape;
    }
    throw new LoweringError(`${node.name} has no weight \`${name}\``, node);
  }

  weightOf(node: TypedNode, name: string): number {
    const full =
      node.tiedTo && name === "weight" ? `${node.tiedTo}.weight` : `${node.name}.${name}`;
    return this.weight(
      [full],
      this.weightShape(node, name).reduce((a, b) => a * b, 1),
    );
  }

  hasWeight(node: TypedNode, name: string): boolean {
    return node.weights.some((w) => w.name === name);
  }
}
