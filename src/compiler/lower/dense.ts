import type { TypedNode } from "../../contracts/ir/schema.ts";
import type { PackedFormat } from "../../contracts/weight-format.ts";
import type { ActivationName } from "../codegen/activations.wgsl.ts";
import { matmulKernel, type MatmulGate, type MatmulOptions } from "../codegen/matmul.ts";
import { cpuRowTileServesAll, matmulTileFor, type MatmulTile } from "../codegen/matmul-tile.ts";
import { LoweringError, type PlanBuilder } from "./builder.ts";
import type { Fusions } from "./fusions.ts";

/** One matmul of the plan: its operands (buffer ids), dims and epilogue. */
interface MatmulDispatch {
  x: number;
  rows: string | number;
  k: number;
  n: number;
  weights: number[];
  biases: number[];
  activation?: ActivationName;
  gated?: MatmulGate;
  residual?: number;
  scale?: number;
  out: number;
}

/**
 * y = x Wᵀ (+ b) (act) (+ residual): one matmul dispatch (on CPU adapters, for a generating model,
 * one for the prefill and one for decode steps); returns the buffer written.
 */
export function matmul(b: PlanBuilder, node: TypedNode, o: MatmulDispatch): number {
  const buffers = [
    o.x,
    ...o.weights,
    ...o.biases,
    ...(o.residual !== undefined ? [o.residual] : []),
    o.out,
  ];
  const use = { gated: o.gated !== undefined, work: b.maxElements(o.rows) * o.k * o.n };
  // A decode step (one row per sequence) gets a kernel of its own, unless, on a CPU adapter, the
  // matmul is small enough for one row-tiled kernel to serve both phases.
  const oneKernel = b.target === "cpu" && cpuRowTileServesAll(use);
  const format = b.weightFormat(node, o.weights, o.k);
  const decodes = !oneKernel && b.step !== null && mentions(o.rows, b.step);
  if (!decodes) {
    const tile = matmulTileFor(b.target, use, b.tiles);
    const kernel = matmulKernel(matmulOptions(b, o, tile, "", format));
    b.dispatch(kernel, buffers, { rows: o.rows }, [node]);
    return o.out;
  }
  for (const phase of ["prefill", "decode"] as const) {
    const tile = matmulTileFor(b.target, { ...use, decode: phase === "decode" }, b.tiles);
    const suffix = phase === "decode" ? "_decode" : "";
    b.dispatch(
      matmulKernel(matmulOptions(b, o, tile, suffix, format)),
      buffers,
      { rows: o.rows },
      [node],
      phase,
    );
  }
  return o.out;
}

/** Whether a size expression uses a symbol. */
function mentions(expr: string | number, symbol: string): boolean {
  return typeof expr === "string" && new RegExp(`\\b${symbol}\\b`).test(expr);
}

/** The matmul kernel options of one dispatch; the name tells the epilogue and the tile apart. */
function matmulOptions(
  b: PlanBuilder,
  o: MatmulDispatch,
  tile: Readonly<MatmulTile>,
  suffix: string,
  format: PackedFormat | undefined,
): MatmulOptions {
  return {
    name: `matmul_k${o.k}_n${o.n}${format ? `_${format}` : ""}${o.biases.length ? "_bias" : ""}${o.activation && o.activation !== "none" ? `_${o.activation}` : ""}${o.gated ? `_${o.gated}` : ""}${o.residual !== undefined ? "_res" : ""}${o.scale !== undefined ? "_scaled" : ""}${b.target === "cpu" ? "_cpu" : ""}${b.tiles ? "_tuned" : ""}${suffix}`,
    k: o.k,
    n: o.n,
    bias: o.biases.length > 0,
    activation: o.activation ?? "none",
    ...(o.gated ? { gated: o.gated } : {}),
    ...(o.residual !== undefined ? { residual: true } : {}),
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(format ? { weightFormat: format } : {}),
    tile,
  };
}

/**
 * The residual a node's output is added to, when that add can be folded into its last matmul:
 * the add is its output's only reader, no other matmul has folded it already, and the other
 * operand is computed before this node (an input, or an earlier node's output), so the matmul
 * reads it from a buffer already written and distinct from the one it writes. In
 * `linear(a) + linear(b)` only the second linear folds the add; the first writes its own output.
 */
export function residualFor(
  b: PlanBuilder,
  node: TypedNode,
  fusions: Fusions,
): { residual: number; out: number } | undefined {
  const add = b.soleConsumer(node.output);
  if (!add || add.op !== "add" || fusions.absorbed.has(add.id)) return undefined;
  const other = add.inputs["a"] === node.output ? add.inputs["b"]! : add.inputs["a"]!;
  if (other === node.output || !computedBefore(b, other, node)) return undefined;
  const same =
    JSON.stringify(b.values.get(other)?.shape) === JSON.stringify(b.values.get(node.output)?.shape);
  if (!same) return undefined;
  fusions.absorbed.add(add.id);
  return { residual: b.value(other, `value.${other}`), out: b.value(add.output, add.name) };
}

/** Whether a value is a model input or the output of a node that comes before `node`. */
function computedBefore(b: PlanBuilder, value: number, node: TypedNode): boolean {
  const producer = b.ir.nodes.findIndex((n) => n.output === value);
  return producer === -1
    ? b.ir.inputs.some((i) => i.value === value)
    : producer < b.ir.nodes.indexOf(node);
}

function bias(b: PlanBuilder, node: TypedNode, name: string): number[] {
  return b.hasWeight(node, `${name}.bias`) ? [b.weightOf(node, `${name}.bias`)] : [];
}

/** mlp: up (+act, or gated gate·up) then down, the residual add folded into down when it can be. */
export function lowerMlp(b: PlanBuilder, node: TypedNode, fusions: Fusions): void {
  const x = node.inputs["x"]!;
  const rows = b.rows(x);
  const d = b.width(x);
  const hidden = node.attrs["hidden"] as number;
  const out = node.attrs["out"] as number;
  const act = node.attrs["act"] as string;
  const gated = act === "swiglu" || act === "geglu";
  const h = b.scratch(
    `${node.name}.hidden`,
    typeof rows === "number" ? rows * hidden : `${hidden} * ${rows}`,
  );
  const xBuffer = b.value(x, `value.${x}`);
  matmul(b, node, {
    x: xBuffer,
    rows,
    k: d,
    n: hidden,
    weights: gated
      ? [b.weightOf(node, "gate.weight"), b.weightOf(node, "up.weight")]
      : [b.weightOf(node, "up.weight")],
    biases: gated ? [...bias(b, node, "gate"), ...bias(b, node, "up")] : bias(b, node, "up"),
    ...(gated ? { gated: act as MatmulGate } : { activation: act as ActivationName }),
    out: h,
  });
  if (gated && bias(b, node, "gate").length !== bias(b, node, "up").length) {
    throw new LoweringError("a gated MLP needs biases on both or neither of gate and up", node);
  }
  const fused = residualFor(b, node, fusions);
  const y = fused?.out ?? b.value(node.output, node.name);
  matmul(b, node, {
    x: h,
    rows,
    k: hidden,
    n: out,
    weights: [b.weightOf(node, "down.weight")],
    biases: bias(b, node, "down"),
    ...(fused ? { residual: fused.residual } : {}),
    out: y,
  });
  b.alias(node.output, y);
}

/** linear, classifier and lm_head: one matmul (a tied head reads the embedding's table). */
export function lowerDense(b: PlanBuilder, node: TypedNode, fusions: Fusions): void {
  const x = node.inputs["x"]!;
  const [n, k] = b.weightShape(node, "weight") as [number, number];
  const fused = residualFor(b, node, fusions);
  const y = fused?.out ?? b.value(node.output, node.name);
  matmul(b, node, {
    x: b.value(x, `value.${x}`),
    rows: b.rows(x),
    k,
    n,
    weights: [b.weightOf(node, "weight")],
    biases: b.hasWeight(node, "bias") ? [b.weightOf(node, "bias")] : [],
    ...(fused ? { residual: fused.residual } : {}),
    out: y,
  });
  b.alias(node.output, y);
}
