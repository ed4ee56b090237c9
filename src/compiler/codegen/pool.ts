/**
 * Sequence pooling to one row per sequence: cls_pool (the first token) and mean_pool (the mean over
 * tokens, padding excluded). The pooler is cls_pool → matmul (dense + bias) → tanh (elementwise).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constU32,
  declareBindings,
  flatPrelude,
  type StorageDecl,
  flatKernel,
} from "./elementwise-wgsl.ts";

export interface PoolOptions {
  /** Model width. */
  d: number;
}

export interface MeanPoolOptions extends PoolOptions {
  /** Whether a `padding` mask [batch · seq] u32 says which tokens count (1) and which not (0). */
  padding?: boolean;
}

function poolKernel(name: string, d: number, padding: boolean, body: string, doc: string): Kernel {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`pool width must be ≥ 1, got ${d}`);
  const params = [
    { name: "batch", value: "batch" },
    { name: "seq", value: "seq" },
  ];
  const storage: StorageDecl[] = [
    { name: "x", access: "read", type: "f32", doc: "[batch * seq, D] tokens" },
  ];
  if (padding)
    storage.push({
      name: "padding",
      access: "read",
      type: "u32",
      doc: "[batch * seq] 1 = token, 0 = padding",
    });
  storage.push({
    name: "out",
    access: "read_write",
    type: "f32",
    doc: "[batch, D] one row per sequence",
  });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const wgsl = `// ${name}: ${doc}
${constU32("D", d, "model width")}
${flatPrelude().join("\n")}

${decls}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let count = params.batch * D;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = group.x * BLOCK + k * WG + tid;
    if (i < count) {
      let b = i / D; // sequence
      let c = i % D; // column
${body}
    }
  }
}
`;
  return flatKernel(name, wgsl, bindings, params, `${d} * batch`);
}

/**
 * cls_pool: out[b] = x[b, 0].
 * Bindings: params {batch, seq}, x [batch · seq, d] (read), out [batch, d] (read_write).
 * Dispatch: ceil(d · batch / 1024) workgroups.
 */
export function clsPoolKernel(options: PoolOptions): Kernel {
  return poolKernel(
    `cls_pool_d${options.d}`,
    options.d,
    false,
    "      out[i] = x[b * params.seq * D + c];",
    "the first token of each sequence.",
  );
}

/**
 * mean_pool: out[b] = mean of x[b, s] over the tokens s with padding[b, s] ≠ 0 (all tokens without
 * a mask); a sequence with no tokens gives zeros (the count is taken as at least 1, as in the
 * reference). Sums in f32, in token order.
 * Bindings: params {batch, seq}, x [batch · seq, d] (read), padding [batch · seq] u32 (read, when
 * padding), out [batch, d] (read_write). Dispatch: ceil(d · batch / 1024) workgroups.
 */
export function meanPoolKernel(options: MeanPoolOptions): Kernel {
  const padding = options.padding === true;
  const body = `      var total = 0.0;
      var tokens = 0u;
      for (var s = 0u; s < params.seq; s++) {
        let r = b * params.seq + s;${padding ? "\n        if (padding[r] == 0u) {\n          continue;\n        }" : ""}
        total += x[r * D + c];
        tokens += 1u;
      }
      out[i] = total / f32(max(tokens, 1u));`;
  return poolKernel(
    `mean_pool_d${options.d}${padding ? "_padded" : ""}`,
    options.d,
    padding,
    body,
    `the mean over each sequence's tokens${padding ? " (padding excluded)" : ""}.`,
  );
}
