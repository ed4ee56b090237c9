/**
 * The fused residual-add + norm: sum = x + branch and normed = norm(sum) in one pass, one
 * workgroup per row. Pre-norm blocks keep `sum` as the residual stream and feed `normed` to the
 * next sublayer; post-norm ("Add & Norm") blocks need only `normed`.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  declareBindings,
  f32Literal,
  rowWorkgroupSize,
  type StorageDecl,
  rowKernel,
} from "./elementwise-wgsl.ts";
import {
  checkNormOptions,
  normWeightDecls,
  rowNormModule,
  threadPerRowNormKernel,
  type NormOptions,
} from "./norm.ts";
import { reductionStorageBytes } from "./norm-reduction.ts";

/**
 * Where the sum x + branch goes: its own `sum` buffer ("separate"), back into `x` ("in-place":
 * x is bound read_write, saving a buffer), or nowhere ("none": post-norm needs only the norm).
 */
export type ResidualSum = "separate" | "in-place" | "none";

export interface ResidualNormOptions extends NormOptions {
  /** Default "separate". */
  sum?: ResidualSum;
}

/**
 * A fused residual-add + LayerNorm/RMSNorm kernel over [rows, d].
 * Bindings, in order: params {rows}; x [rows, d] (read, or read_write receiving the sum when
 * sum = "in-place"); branch [rows, d] (read); weight [d]; bias [d] (LayerNorm with bias only);
 * sum [rows, d] (read_write, sum = "separate" only); out [rows, d] (read_write, norm(x + branch)).
 * Dispatch: one workgroup per row (rows ≤ 65535), or with `threadPerRow` (CPU adapters; see
 * norm.ts) ceil(rows / threadPerRow) workgroups of one thread per row.
 */
export function residualNormKernel(options: ResidualNormOptions): Kernel {
  checkNormOptions(options);
  const sumMode = options.sum ?? "separate";
  const wg = rowWorkgroupSize(options.d);
  const params = [{ name: "rows", value: "rows" }];
  const storage: StorageDecl[] = [
    sumMode === "in-place"
      ? {
          name: "x",
          access: "read_write",
          type: "f32",
          doc: "[rows, D] residual in, x + branch out",
        }
      : { name: "x", access: "read", type: "f32", doc: "[rows, D] residual stream" },
    { name: "branch", access: "read", type: "f32", doc: "[rows, D] sublayer output to add" },
    ...normWeightDecls(options),
  ];
  if (sumMode === "separate")
    storage.push({ name: "sum", access: "read_write", type: "f32", doc: "[rows, D] x + branch" });
  storage.push({
    name: "out",
    access: "read_write",
    type: "f32",
    doc: "[rows, D] norm(x + branch)",
  });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const sumTarget = sumMode === "separate" ? "sum" : sumMode === "in-place" ? "x" : undefined;
  const store = sumTarget ? `\n      ${sumTarget}[base + c] = v[i];` : "";
  const bias = options.kind === "layernorm" && options.bias === false ? "_nobias" : "";
  const perRow = options.threadPerRow;
  const name = `residual_${options.kind}${bias}_d${options.d}_eps${f32Literal(options.eps)}_sum_${sumMode.replace("-", "")}${perRow ? `_t${perRow}` : ""}`;
  const what = `sum = x + branch${sumTarget ? ` (written to \`${sumTarget}\`)` : ""}, out = ${options.kind}(sum)`;
  if (perRow !== undefined)
    return threadPerRowNormKernel(
      name,
      `${name}: ${what}; one thread per row.`,
      { ...options, threadPerRow: perRow },
      { decls, bindings, params },
      "(x[base + c] + branch[base + c])",
      sumTarget ? `${sumTarget}[base + c] = v;` : "",
      sumTarget ? `${sumTarget}[base + c]` : "(x[base + c] + branch[base + c])",
    );
  const wgsl = rowNormModule(
    `${name}: ${what}; one workgroup per row.`,
    options,
    wg,
    decls,
    `v[i] = x[base + c] + branch[base + c];${store}`,
  );
  return rowKernel(name, wgsl, bindings, params, wg, reductionStorageBytes(wg), "rows");
}
