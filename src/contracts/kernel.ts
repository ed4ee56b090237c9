import { dimEvaluate, dimFromJson } from "./dims.ts";
import type { PackedFormat } from "./weight-format.ts";

/**
 * A size known only at run time, written as a dim expression over runtime sizes:
 * "rows", "batch * seq", "past + seq", or a number. Evaluated with the dims algebra.
 */
export type SizeExpr = string | number;

/** One workgroup-count axis: a constant, or ceil(expr / divisor). */
export type DispatchAxis = number | { expr: SizeExpr; divisor: number };

export interface KernelBinding {
  /** The WGSL variable name; binding i of group 0 is bindings[i]. */
  name: string;
  access: "read" | "read_write" | "uniform";
  /** A packed weight the kernel unpacks as it reads; absent: the buffer's own dtype. */
  format?: PackedFormat;
}

/**
 * A generated compute kernel, specialised to a spec's static dims. Plain data, so a kernel plan
 * (and a bundle) can hold it: the WGSL, its bindings, its workgroup shape and how to dispatch it.
 */
export interface Kernel {
  name: string;
  wgsl: string;
  entryPoint: string;
  bindings: KernelBinding[];
  workgroupSize: [number, number, number];
  /** Bytes of var<workgroup> the kernel declares (checked against the device profile). */
  workgroupStorageBytes: number;
  dispatch: [DispatchAxis, DispatchAxis, DispatchAxis];
  /** u32 values of the `params` uniform, in declaration order. Empty when it has none. */
  params: { name: string; value: SizeExpr }[];
}

/** Evaluates a size expression with the runtime sizes; throws RangeError if one is missing. */
export function evaluateSize(expr: SizeExpr, sizes: Readonly<Record<string, number>>): number {
  if (typeof expr === "number") return expr;
  const dim = dimFromJson(expr);
  const value = dim && dimEvaluate(dim, new Map(Object.entries(sizes)));
  if (value === undefined)
    throw new RangeError(`cannot evaluate size "${expr}" with ${JSON.stringify(sizes)}`);
  return value;
}

/** The workgroup counts of a dispatch at the given runtime sizes. */
export function workgroupCounts(
  kernel: Kernel,
  sizes: Readonly<Record<string, number>>,
): [number, number, number] {
  return kernel.dispatch.map((axis) =>
    typeof axis === "number" ? axis : Math.ceil(evaluateSize(axis.expr, sizes) / axis.divisor),
  ) as [number, number, number];
}

/** The `params` uniform's bytes (u32 each, padded to 16 bytes) at the given runtime sizes. */
export function paramBytes(
  kernel: Kernel,
  sizes: Readonly<Record<string, number>>,
): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(Math.max(4, Math.ceil(kernel.params.length / 4) * 4));
  kernel.params.forEach((p, i) => (words[i] = evaluateSize(p.value, sizes)));
  return words;
}

/** The WGSL struct for a kernel's params uniform: one u32 field per param. */
export function paramsStruct(params: Kernel["params"]): string {
  if (params.length === 0) return "";
  return `struct Params {\n${params.map((p) => `  ${p.name}: u32,`).join("\n")}\n}\n@group(0) @binding(0) var<uniform> params: Params;\n`;
}
