/**
 * LayerNorm and RMSNorm over the last axis of [rows, d] activations. Two layouts:
 * - one workgroup per row (GPUs): the row held in registers (PER values per thread), statistics by
 *   workgroup tree reductions;
 * - one thread per row (`threadPerRow`, CPU adapters): each invocation walks its row serially, with
 *   no workgroup memory and no barriers. SwiftShader runs a workgroup's invocations as coroutines
 *   that all stop at every barrier, so the tree reductions cost more than the arithmetic there.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constF32,
  constU32,
  declareBindings,
  f32Literal,
  rowWorkgroupSize,
  type StorageDecl,
  rowKernel,
  threadPerRowEntry,
} from "./elementwise-wgsl.ts";
import { reductionStorageBytes, workgroupReductionsWgsl } from "./norm-reduction.ts";

export type NormKind = "layernorm" | "rmsnorm";

/** A norm specialised to its static dims (the reference's layerNorm / rmsNorm). */
export interface NormOptions {
  kind: NormKind;
  /** Width of the normalised (last) axis. */
  d: number;
  /** Added to the variance (LayerNorm) or mean square (RMSNorm) inside the square root. */
  eps: number;
  /** LayerNorm only: whether there is a `bias` [d] (default true). RMSNorm has none. */
  bias?: boolean;
  /** One thread per row, this many rows per workgroup (CPU adapters); absent: a workgroup per row. */
  threadPerRow?: number;
}

/** Whether the norm reads a bias. */
export function normHasBias(options: NormOptions): boolean {
  return options.kind === "layernorm" && options.bias !== false;
}

export function checkNormOptions(options: NormOptions): void {
  if (!Number.isInteger(options.d) || options.d < 1)
    throw new RangeError(`norm width d must be a positive integer, got ${options.d}`);
  if (!(options.eps >= 0)) throw new RangeError(`norm eps must be ≥ 0, got ${options.eps}`);
  if (options.kind === "rmsnorm" && options.bias === true)
    throw new RangeError("rmsnorm has no bias");
  const perGroup = options.threadPerRow;
  if (perGroup !== undefined && (!Number.isInteger(perGroup) || perGroup < 1 || perGroup > 256))
    throw new RangeError(`norm threadPerRow must be an integer in 1..256, got ${perGroup}`);
}

/** The commented const prelude of a row norm. */
export function normPrelude(options: NormOptions, workgroupSize: number): string[] {
  const per = Math.ceil(options.d / workgroupSize);
  return [
    constU32("D", options.d, "d: width of the normalised axis"),
    constU32("WG", workgroupSize, "threads per workgroup (power of 2); one workgroup per row"),
    constU32("PER", per, `ceil(D / WG) = ${per}: row values each thread holds in registers`),
    constF32("INV_D", 1 / options.d, "1 / D"),
    constF32("EPS", options.eps, "eps, inside the square root"),
  ];
}

/**
 * WGSL statements that normalise the row held in `v` (v[i] = column tid + i·WG, 0 past D) and write
 * it to `target[base + c]`: LayerNorm with a two-pass (centred) variance, or RMSNorm.
 */
export function normalizeRowWgsl(options: NormOptions, target: string): string {
  const stats =
    options.kind === "layernorm"
      ? `  var total = 0.0;
  for (var i = 0u; i < PER; i++) {
    total += v[i];
  }
  let mean = workgroup_sum(tid, total) * INV_D;
  var squares = 0.0;
  for (var i = 0u; i < PER; i++) {
    if (tid + i * WG < D) {
      let centred = v[i] - mean;
      squares += centred * centred;
    }
  }
  // biased variance, eps inside the square root
  let inv = inverseSqrt(workgroup_sum(tid, squares) * INV_D + EPS);`
      : `  var squares = 0.0;
  for (var i = 0u; i < PER; i++) {
    squares += v[i] * v[i];
  }
  let mean = 0.0;
  // root of the mean square, eps inside the square root
  let inv = inverseSqrt(workgroup_sum(tid, squares) * INV_D + EPS);`;
  const shift = normHasBias(options) ? " + bias[c]" : "";
  return `${stats}
  for (var i = 0u; i < PER; i++) {
    let c = tid + i * WG;
    if (c < D) {
      ${target}[base + c] = (v[i] - mean) * inv * weight[c]${shift};
    }
  }`;
}

/** The storage declarations of the norm's weights. */
export function normWeightDecls(options: NormOptions): StorageDecl[] {
  const decls: StorageDecl[] = [
    { name: "weight", access: "read", type: "f32", doc: "[D] scale (gamma)" },
  ];
  if (normHasBias(options))
    decls.push({ name: "bias", access: "read", type: "f32", doc: "[D] shift (beta)" });
  return decls;
}

/**
 * The WGSL of a norm with one workgroup per row: each thread loads its columns of the row with
 * `load` (which sets v[i] for column c; plain x, or x + branch for the residual form), then the
 * row is normalised into `out`.
 */
export function rowNormModule(
  header: string,
  options: NormOptions,
  wg: number,
  decls: string,
  load: string,
): string {
  return `// ${header}
${normPrelude(options, wg).join("\n")}

${decls}${workgroupReductionsWgsl()}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
  let base = row * D;
  var v: array<f32, PER>;
  for (var i = 0u; i < PER; i++) {
    let c = tid + i * WG;
    if (c < D) {
      ${load}
    }
  }
${normalizeRowWgsl(options, "out")}
}
`;
}

/**
 * A LayerNorm or RMSNorm kernel over [rows, d].
 * Bindings: params {rows}, x [rows, d] (read), weight [d], bias [d] (LayerNorm with bias only),
 * out [rows, d] (read_write). Dispatch: one workgroup per row (rows ≤ 65535), or with
 * `threadPerRow` ceil(rows / threadPerRow) workgroups.
 */
export function normKernel(options: NormOptions): Kernel {
  checkNormOptions(options);
  const params = [{ name: "rows", value: "rows" }];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: "f32", doc: "[rows, D] input" },
    ...normWeightDecls(options),
    { name: "out", access: "read_write", type: "f32", doc: "[rows, D] normalised output" },
  ]);
  const bias = options.kind === "layernorm" && options.bias === false ? "_nobias" : "";
  const perRow = options.threadPerRow;
  const name = `${options.kind}${bias}_d${options.d}_eps${f32Literal(options.eps)}${perRow ? `_t${perRow}` : ""}`;
  const what = `${options.kind === "layernorm" ? "LayerNorm" : "RMSNorm"} over the last axis of [rows, D]`;
  if (perRow !== undefined)
    return threadPerRowNormKernel(
      name,
      `${name}: ${what}, one thread per row.`,
      { ...options, threadPerRow: perRow },
      { decls, bindings, params },
      "x[base + c]",
    );
  const wg = rowWorkgroupSize(options.d);
  const wgsl = rowNormModule(
    `${name}: ${what}, one workgroup per row.`,
    options,
    wg,
    decls,
    "v[i] = x[base + c];",
  );
  return rowKernel(name, wgsl, bindings, params, wg, reductionStorageBytes(wg), "rows");
}

/**
 * The one-thread-per-row norm: three serial passes over the row (mean, centred variance, write;
 * RMSNorm: mean square, write). `value` is the row's element c in the first pass (an expression
 * of `base` and `c`); `firstPass`, if given, is a statement run on it (`v`) there, and `later`
 * reads the element in the passes after it (default `value`: read again).
 */
export function threadPerRowNormKernel(
  name: string,
  header: string,
  options: NormOptions & { threadPerRow: number },
  declared: { decls: string; bindings: Kernel["bindings"]; params: Kernel["params"] },
  value: string,
  firstPass = "",
  later = value,
): Kernel {
  const { decls, bindings, params } = declared;
  const layer = options.kind === "layernorm";
  const shift = normHasBias(options) ? " + bias[c]" : "";
  const extra = firstPass ? `\n    ${firstPass}` : "";
  const wgsl = `// ${header}
${constU32("D", options.d, "d: width of the normalised axis")}
${constU32("WG", options.threadPerRow, "rows per workgroup, one thread each")}
${constF32("INV_D", 1 / options.d, "1 / D")}
${constF32("EPS", options.eps, "eps, inside the square root")}

${decls}
${threadPerRowEntry("D")}
${
  layer
    ? `  var total = 0.0;
  for (var c = 0u; c < D; c++) {
    let v = ${value};${extra}
    total += v;
  }
  let mean = total * INV_D;
  var squares = 0.0;
  for (var c = 0u; c < D; c++) {
    let centred = ${later} - mean;
    squares += centred * centred;
  }
  // biased variance, eps inside the square root`
    : `  let mean = 0.0;
  var squares = 0.0;
  for (var c = 0u; c < D; c++) {
    let v = ${value};${extra}
    squares += v * v;
  }
  // root of the mean square, eps inside the square root`
}
  let inv = inverseSqrt(squares * INV_D + EPS);
  for (var c = 0u; c < D; c++) {
    out[base + c] = (${later} - mean) * inv * weight[c]${shift};
  }
}
`;
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings,
    workgroupSize: [options.threadPerRow, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [{ expr: "rows", divisor: options.threadPerRow }, 1, 1],
    params,
  };
}
