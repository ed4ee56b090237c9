/**
 * What translating one typed IR node into ONNX ops may use: the graph, the ONNX name of each IR
 * value, the spec's weights (each written once, as an initializer under its Loom name), the
 * bounds of symbolic dims (constant tables such as the causal mask are made at the bound and
 * sliced to the run's length), and the small patterns every layer shares.
 */
import { dimFromJson, dimUpperBound } from "../../../contracts/dims.ts";
import type { TypedIr, TypedNode } from "../../../contracts/ir/schema.ts";
import type { Tensor } from "../../../contracts/tensor.ts";
import type { OnnxGraph } from "./graph.ts";

/** A node the exporter cannot translate: the reason, for E0924. */
export class Untranslatable extends Error {}

export class OnnxContext {
  /** The ONNX name holding each IR value. */
  readonly values = new Map<number, string>();
  private readonly written = new Set<string>();
  private readonly bounds: Map<string, number | undefined>;

  constructor(
    readonly graph: OnnxGraph,
    readonly ir: TypedIr,
    private readonly weights: ReadonlyMap<string, Tensor>,
  ) {
    this.bounds = new Map(ir.symbols.map((s) => [s.name, s.bound ?? undefined]));
  }

  /** The ONNX name of the node's operand `role`. */
  input(node: TypedNode, role: string): string {
    const id = node.inputs[role];
    const name = id === undefined ? undefined : this.values.get(id);
    if (name === undefined) throw new Untranslatable(`its \`${role}\` operand has no ONNX value`);
    return name;
  }

  optionalInput(node: TypedNode, role: string): string | undefined {
    const id = node.inputs[role];
    return id === undefined ? undefined : this.values.get(id);
  }

  /** The initializer of the node's weight `name` (a tied node reads the node it is tied to). */
  weight(node: TypedNode, name: string): string {
    const full = this.weightName(node, name);
    const tensor = this.weights.get(full);
    if (!tensor) throw new Untranslatable(`its weight \`${full}\` has no values`);
    if (!this.written.has(full)) {
      this.graph.floats(full, tensor.shape, tensor.data);
      this.written.add(full);
    }
    return full;
  }

  /** Whether the node has weight `name` (a bias the spec turned off has none). */
  has(node: TypedNode, name: string): boolean {
    return this.weights.has(this.weightName(node, name));
  }

  private weightName(node: TypedNode, name: string): string {
    return node.tiedTo && name === "weight" ? `${node.tiedTo}.weight` : `${node.name}.${name}`;
  }

  /** The static size or upper bound of axis `axis` of IR value `id`. */
  bound(id: number, axis: number, what: string): number {
    const dim = this.ir.values.find((v) => v.id === id)?.shape.at(axis);
    const parsed = dim === undefined ? undefined : dimFromJson(dim);
    const bound = parsed ? dimUpperBound(parsed, this.bounds) : undefined;
    if (bound === undefined)
      throw new Untranslatable(
        `${what} needs a bound on the sequence (\`${String(dim)}\`); give the input one (\`seq <= N\`)`,
      );
    return bound;
  }

  /** x @ Wᵀ (+ b): a projection with a PyTorch-layout [out, in] weight. */
  linear(x: string, node: TypedNode, prefix: string): string {
    const g = this.graph;
    const w = g.op("Transpose", [this.weight(node, `${prefix}weight`)], { perm: [1, 0] });
    const y = g.op("MatMul", [x, w]);
    return this.has(node, `${prefix}bias`)
      ? g.op("Add", [y, this.weight(node, `${prefix}bias`)])
      : y;
  }

  /** The length of axis `axis` of `x`, as a 1-element int64 tensor. */
  length(x: string, axis: number): string {
    return this.graph.op("Shape", [x], { start: axis, end: axis + 1 });
  }

  /** The first rows of `table` along each of `axes`, as many as `lengths` say. */
  leading(table: string, axes: number[], lengths: string[]): string {
    const g = this.graph;
    const ends = lengths.length === 1 ? lengths[0]! : g.op("Concat", lengths, { axis: 0 });
    return g.op("Slice", [table, g.ints(axes.map(() => 0)), ends, g.ints(axes)]);
  }
}
