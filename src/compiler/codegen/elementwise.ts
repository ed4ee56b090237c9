/**
 * Elementwise kernels over [rows, d] activations: add / sub / mul with the broadcasting the IR
 * needs, scale, and the activations. Flat dispatch: each workgroup covers BLOCK consecutive
 * elements, each thread PER_THREAD of them strided by WG.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  activationCall,
  activationsWgsl,
  constF32,
  constU32,
  declareBindings,
  f32Literal,
  flatPrelude,
  type Activation,
  type StorageDecl,
  flatKernel,
  flatMain,
} from "./elementwise-wgsl.ts";

export type BinaryOp = "add" | "sub" | "mul" | "div";

/**
 * The shape of one operand of a binary op, broadcast to the [rows, d] output (rows = batch·seq):
 * - "full": [rows, d], same shape;
 * - "seq": [seq, d], one row per position, the same for every batch (e.g. position embeddings);
 * - "batch": [batch, d] ([batch, 1, d]), one row per sequence;
 * - "vector": [d], the same row everywhere;
 * - "row": [rows], one value per row, the same across its d (a [batch, seq] mask over the width);
 * - "scalar": [1].
 */
export type OperandShape = "full" | "seq" | "batch" | "vector" | "row" | "scalar";

export interface BinaryOptions {
  op: BinaryOp;
  /** Width of the last axis. */
  d: number;
  /** Shape of `a` (default "full"). */
  a?: OperandShape;
  /** Shape of `b` (default "full"). */
  b?: OperandShape;
  /** Write the result into `a` (which must be "full") instead of `out`. */
  inPlace?: boolean;
}

const OPERATORS: Record<BinaryOp, string> = { add: "+", sub: "-", mul: "*", div: "/" };

/** The WGSL index of an operand's element for output element i = r·D + c. */
function operandIndex(shape: OperandShape): string {
  switch (shape) {
    case "full":
      return "i";
    case "seq":
      return "(r % params.seq) * D + c";
    case "batch":
      return "(r / params.seq) * D + c";
    case "vector":
      return "c";
    case "row":
      return "r";
    case "scalar":
      return "0u";
  }
}

const SHAPE_DOCS: Record<OperandShape, string> = {
  full: "[rows, D]",
  seq: "[seq, D], broadcast over batch",
  batch: "[batch, D], broadcast over seq",
  vector: "[D], broadcast over rows",
  row: "[rows], broadcast over D",
  scalar: "[1], broadcast everywhere",
};

function checkWidth(d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`width d must be ≥ 1, got ${d}`);
}

/**
 * out = a ⊙ b (⊙ = +, −, ×, ÷) over [rows, d] with a and b broadcast as their shapes say.
 * Bindings: params {rows, seq (only when an operand is "seq" or "batch")}, a, b (read; a is
 * read_write and receives the result when inPlace), out [rows, d] (read_write, absent when inPlace).
 * Dispatch: ceil(d·rows / 1024) workgroups.
 */
export function binaryKernel(options: BinaryOptions): Kernel {
  const { op, d } = options;
  checkWidth(d);
  const a = options.a ?? "full";
  const b = options.b ?? "full";
  if (!(op in OPERATORS)) throw new RangeError(`unknown binary op \`${op}\``);
  if (options.inPlace && a !== "full")
    throw new RangeError(`an in-place ${op} writes into a, so a must be "full", not "${a}"`);
  const needsSeq = [a, b].some((s) => s === "seq" || s === "batch");
  const params = [
    { name: "rows", value: "rows" },
    ...(needsSeq ? [{ name: "seq", value: "seq" }] : []),
  ];
  const storage: StorageDecl[] = [
    {
      name: "a",
      access: options.inPlace ? "read_write" : "read",
      type: "f32",
      doc: `${SHAPE_DOCS[a]} left operand${options.inPlace ? ", receives the result" : ""}`,
    },
    { name: "b", access: "read", type: "f32", doc: `${SHAPE_DOCS[b]} right operand` },
  ];
  if (!options.inPlace)
    storage.push({ name: "out", access: "read_write", type: "f32", doc: "[rows, D] a op b" });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const target = options.inPlace ? "a" : "out";
  const name = `${op}_${a}_${b}_d${d}${options.inPlace ? "_inplace" : ""}`;
  const wgsl = `// ${name}: ${target} = a ${OPERATORS[op]} b over [rows, D], a ${SHAPE_DOCS[a]}, b ${SHAPE_DOCS[b]}.
${constU32("D", d, "width of the last axis")}
${flatPrelude().join("\n")}

${decls}
${flatMain(`      ${target}[i] = a[${operandIndex(a)}] ${OPERATORS[op]} b[${operandIndex(b)}];`)}`;
  return flatKernel(name, wgsl, bindings, params, `${d} * rows`);
}

export type UnaryOp = "scale" | Activation;

export interface UnaryOptions {
  op: UnaryOp;
  /** Width of the last axis. */
  d: number;
  /** The factor of "scale". */
  factor?: number;
  /** Write the result back into `x` instead of `out`. */
  inPlace?: boolean;
}

/**
 * out = f(x) elementwise over [rows, d]: scale (x · factor) or an activation (gelu with the erf of
 * elementwise-wgsl.ts, max abs error ~1.5e-7; gelu_tanh; relu; silu; tanh).
 * Bindings: params {rows}, x [rows, d] (read, or read_write when inPlace), out [rows, d]
 * (read_write, absent when inPlace). Dispatch: ceil(d·rows / 1024) workgroups.
 */
export function unaryKernel(options: UnaryOptions): Kernel {
  const { op, d } = options;
  checkWidth(d);
  if (op === "scale" && (options.factor === undefined || !Number.isFinite(options.factor)))
    throw new RangeError("scale needs a finite factor");
  const params = [{ name: "rows", value: "rows" }];
  const storage: StorageDecl[] = [
    options.inPlace
      ? { name: "x", access: "read_write", type: "f32", doc: "[rows, D] input, receives f(x)" }
      : { name: "x", access: "read", type: "f32", doc: "[rows, D] input" },
  ];
  if (!options.inPlace)
    storage.push({ name: "out", access: "read_write", type: "f32", doc: "[rows, D] f(x)" });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const target = options.inPlace ? "x" : "out";
  const value = op === "scale" ? "x[i] * FACTOR" : activationCall(op, "x[i]");
  const prelude = [constU32("D", d, "width of the last axis"), ...flatPrelude()];
  if (op === "scale") prelude.push(constF32("FACTOR", options.factor!, "the scale factor"));
  const factor = op === "scale" ? f32Literal(options.factor!) : "";
  const name = `${op}${factor}_d${d}${options.inPlace ? "_inplace" : ""}`;
  const wgsl = `// ${name}: ${target} = ${op === "scale" ? "x * FACTOR" : `${op}(x)`} elementwise over [rows, D].
${prelude.join("\n")}

${decls}${op === "scale" ? "" : activationsWgsl()}
${flatMain(`      ${target}[i] = ${value};`)}`;
  return flatKernel(name, wgsl, bindings, params, `${d} * rows`);
}
