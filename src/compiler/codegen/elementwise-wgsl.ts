/**
 * WGSL building blocks shared by the glue kernels: literals and commented `const` lines for the
 * prelude, the flat element dispatch, and the scalar activation functions (erf, gelu, gelu_tanh,
 * relu, silu, tanh) with their accuracy stated.
 */

import type { PackedFormat } from "../../contracts/weight-format.ts";
import {
  paramsStruct,
  type DispatchAxis,
  type Kernel,
  type KernelBinding,
} from "../../contracts/kernel.ts";

/** One storage binding of a kernel: its WGSL name, access and element type. */
export interface StorageDecl {
  name: string;
  access: "read" | "read_write";
  /** Element type of the runtime-sized array: "f32", "u32", "i32" or "atomic<u32>". */
  type: "f32" | "u32" | "i32" | "atomic<u32>";
  /** What it holds, with its shape: a comment on the declaration. */
  doc: string;
  /** A packed weight (type u32) the kernel unpacks as it reads. */
  format?: PackedFormat;
}

/**
 * The bindings of a kernel and their WGSL: the `params` uniform at binding 0 when there are
 * params, then each storage array in order (binding i of group 0 is bindings[i]).
 */
export function declareBindings(
  params: Kernel["params"],
  storage: readonly StorageDecl[],
): { bindings: KernelBinding[]; wgsl: string } {
  const bindings: KernelBinding[] =
    params.length > 0 ? [{ name: "params", access: "uniform" }] : [];
  const lines: string[] = [];
  for (const decl of storage) {
    const space = decl.access === "read" ? "storage, read" : "storage, read_write";
    lines.push(`// ${decl.doc}`);
    lines.push(
      `@group(0) @binding(${bindings.length}) var<${space}> ${decl.name}: array<${decl.type}>;`,
    );
    bindings.push({
      name: decl.name,
      access: decl.access,
      ...(decl.format ? { format: decl.format } : {}),
    });
  }
  return { bindings, wgsl: `${paramsStruct(params)}${lines.join("\n")}\n` };
}

/**
 * A WGSL f32 literal for x: the shortest decimal that rounds to the same f32 as x (so the shader
 * and the host agree on the value), with a ".0" on integers.
 */
export function f32Literal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`no WGSL literal for ${x}`);
  const target = Math.fround(x);
  let text = String(target);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) {
      text = String(candidate);
      break;
    }
  }
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** One prelude line: `const NAME: u32 = 768u; // what it is`. */
export function constU32(name: string, value: number, comment: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`${name} = ${value} is not a u32`);
  return `const ${name}: u32 = ${value}u; // ${comment}`;
}

/** One prelude line: `const NAME: f32 = 1e-5; // what it is`. */
export function constF32(name: string, value: number, comment: string): string {
  return `const ${name}: f32 = ${f32Literal(value)}; // ${comment}`;
}

/** Smallest power of two ≥ n. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Threads of a one-workgroup-per-row kernel over a row of `width` values: a power of two (the tree
 * reductions need one) between 32 and 256, about a quarter of the width so each thread holds a few.
 */
export function rowWorkgroupSize(width: number): number {
  return Math.min(256, Math.max(32, nextPowerOfTwo(Math.ceil(width / 4))));
}

/** Threads per workgroup of the flat elementwise kernels. */
export const FLAT_WORKGROUP = 256;
/** Elements each thread of a flat kernel handles (strided by the workgroup size, so coalesced). */
export const FLAT_PER_THREAD = 4;

/**
 * The x axis of a flat dispatch over `count` elements (a size expression such as "768 * rows"):
 * one workgroup per FLAT_WORKGROUP·FLAT_PER_THREAD elements. Up to 65535 workgroups, so up to
 * 67,107,840 elements per dispatch.
 */
export function flatDispatch(count: string): DispatchAxis {
  return { expr: count, divisor: FLAT_WORKGROUP * FLAT_PER_THREAD };
}

/** The prelude lines of a flat kernel (WG, PER_THREAD, BLOCK). */
export function flatPrelude(): string[] {
  return [
    constU32("WG", FLAT_WORKGROUP, "threads per workgroup"),
    constU32("PER_THREAD", FLAT_PER_THREAD, "elements per thread, strided by WG (coalesced)"),
    constU32("BLOCK", FLAT_WORKGROUP * FLAT_PER_THREAD, "WG * PER_THREAD: elements per workgroup"),
  ];
}

/**
 * The entry point of a flat kernel: each thread walks its PER_THREAD elements i < params.rows · D
 * (strided by WG), running `body` (WGSL statements over i, row r and column c) on each.
 */
export function flatMain(body: string): string {
  return `@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let count = params.rows * D;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = group.x * BLOCK + k * WG + tid;
    if (i < count) {
      let r = i / D; // row: b * seq + s
      let c = i % D; // column
${body}
    }
  }
}
`;
}

/** A flat elementwise kernel: FLAT_WORKGROUP threads, FLAT_PER_THREAD elements each, over `count`. */
export function flatKernel(
  name: string,
  wgsl: string,
  bindings: Kernel["bindings"],
  params: Kernel["params"],
  count: string,
): Kernel {
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings,
    workgroupSize: [FLAT_WORKGROUP, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [flatDispatch(count), 1, 1],
    params,
  };
}

/** A row kernel: one workgroup of `wg` threads per row, `rows` rows (a size expression). */
export function rowKernel(
  name: string,
  wgsl: string,
  bindings: Kernel["bindings"],
  params: Kernel["params"],
  wg: number,
  workgroupStorageBytes: number,
  rows: string,
): Kernel {
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings,
    workgroupSize: [wg, 1, 1],
    workgroupStorageBytes,
    dispatch: [{ expr: rows, divisor: 1 }, 1, 1],
    params,
  };
}

/**
 * The entry point of a one-thread-per-row kernel over params.rows rows of `width` values: `row`
 * and `base` (the row's first element) are set, and threads past the last row return.
 */
export function threadPerRowEntry(width: string): string {
  return `@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * ${width};`;
}

/**
 * The entry point of a one-workgroup-per-row kernel over params.rows rows of D values: `row`,
 * `tid` (the thread in the row) and `base` (the row's first element) are set.
 */
export function workgroupPerRowEntry(): string {
  return `@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * D;`;
}

/** The activations the kernels can apply elementwise (the reference's `activations`). */
export type Activation = "gelu" | "gelu_tanh" | "relu" | "silu" | "tanh";

export const ACTIVATIONS: readonly Activation[] = ["gelu", "gelu_tanh", "relu", "silu", "tanh"];

/** The Taylor coefficients of erf(x)/x in z = x², from float64: 2/√π · (−1)ⁿ / (n!(2n+1)). */
function erfSeriesCoefficients(terms: number): number[] {
  const out: number[] = [];
  let factorial = 1;
  for (let n = 0; n < terms; n++) {
    if (n > 0) factorial *= n;
    out.push(((2 / Math.sqrt(Math.PI)) * (n % 2 === 0 ? 1 : -1)) / (factorial * (2 * n + 1)));
  }
  return out;
}

/**
 * WGSL of erf in f32, `loom_erf`. |x| < 1: its Taylor series to x²¹ (truncation < 1e-8, relative
 * accuracy kept near 0). |x| ≥ 1: 1 − erfc(|x|) with the Chebyshev fit of Numerical Recipes
 * (erfc's relative error < 1.2e-7, and erfc ≤ 0.16 there). Measured against float64 on SwiftShader
 * over [−6, 6]: max absolute error 1.5e-7 (test/webgpu/glue-elementwise.test.ts asserts ≤ 2.5e-7).
 */
export function erfWgsl(): string {
  const c = erfSeriesCoefficients(11);
  const horner = [`  var p: f32 = ${f32Literal(c[c.length - 1]!)};`];
  for (let n = c.length - 2; n >= 0; n--) horner.push(`  p = p * z + ${f32Literal(c[n]!)};`);
  return `
// erf(x): Taylor series (n = 0..10, Horner in x^2) for |x| < 1; 1 - erfc(|x|) beyond, with the
// Chebyshev fit of Numerical Recipes. Max absolute error ~1.5e-7 (see elementwise-wgsl.ts).
fn loom_erf(x: f32) -> f32 {
  let a = abs(x);
  if (a < 1.0) {
    let z = x * x;
${horner.map((l) => `  ${l}`).join("\n")}
    return x * p;
  }
  let t = 1.0 / (1.0 + 0.5 * a);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfc = t * exp(-a * a + poly);
  return select(erfc - 1.0, 1.0 - erfc, x >= 0.0);
}
`;
}

/**
 * WGSL of every activation, named `loom_<act>`. tanh is computed as sign(x)·(1 − e)/(1 + e) with
 * e = exp(−2|x|), which never overflows (the builtin may return NaN for large |x| on some
 * drivers); its absolute error is ~1.2e-7. gelu_tanh uses it; silu is x / (1 + exp(−x)).
 */
export function activationsWgsl(): string {
  return `${erfWgsl()}
fn loom_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn loom_gelu(x: f32) -> f32 {
  return 0.5 * x * (1.0 + loom_erf(x * 0.70710678118654752));
}

fn loom_gelu_tanh(x: f32) -> f32 {
  // sqrt(2 / pi) = 0.7978845608
  return 0.5 * x * (1.0 + loom_tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

fn loom_relu(x: f32) -> f32 {
  return max(x, 0.0);
}

fn loom_silu(x: f32) -> f32 {
  return x / (1.0 + exp(-x));
}
`;
}

/** The WGSL call of an activation on an expression. */
export function activationCall(act: Activation, expr: string): string {
  if (!ACTIVATIONS.includes(act)) throw new RangeError(`unknown activation \`${act}\``);
  return `loom_${act}(${expr})`;
}
