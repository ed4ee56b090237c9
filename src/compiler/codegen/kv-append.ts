/**
 * The KV-cache append kernel: writes one step's new keys (rotated by RoPE at their absolute
 * positions) and values into a layer's k_cache / v_cache, so the attention kernels read every key
 * already rotated.
 */

import { type Kernel, paramsStruct } from "../../contracts/kernel.ts";
import { f32Literal, ropeInverseFrequencies, SINCOS_WGSL } from "./attention-wgsl.ts";

export interface KvAppendOptions {
  kvHeads: number;
  headDim: number;
  /** Positions per batch row in the cache (the spec's bound on the sequence). */
  maxLen: number;
  /** RoPE base for the keys, or null for none (cross-attention, learned or sinusoidal positions). */
  ropeTheta: number | null;
  /**
   * Where k_new and v_new rows are (default: their own [rows, kv_heads·head_dim] buffers). A
   * fused QKV projection gives one buffer bound as both, with rows of `rowStride` floats and k, v
   * starting at `kOffset`, `vOffset`.
   */
  source?: { rowStride: number; kOffset: number; vOffset: number };
}

const WORKGROUP = 64;

/**
 * Appends k_new, v_new [batch·seq, kv_heads·head_dim] at cache positions past + s of
 * k_cache, v_cache [batch, max_len, kv_heads·head_dim]; keys are rotated (rotate-half RoPE) at
 * position past + s when ropeTheta is set.
 *
 * Bindings: params {seq, past}, k_new, v_new, k_cache (read_write), v_cache (read_write).
 * Dispatch: one workgroup of 64 per new row (batch · seq ≤ 65535); rows whose position would reach
 * max_len write nothing.
 */
export function kvAppendKernel(o: KvAppendOptions): Kernel {
  const { kvHeads, headDim, maxLen, ropeTheta } = o;
  for (const [name, value] of Object.entries({ kvHeads, headDim, maxLen })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`kvAppendKernel: ${name} must be a positive integer, got ${value}`);
  }
  const params: Kernel["params"] = [
    { name: "seq", value: "seq" },
    { name: "past", value: "past" },
  ];
  const half = headDim / 2;
  const rope = ropeTheta !== null;
  const source = o.source ?? { rowStride: kvHeads * headDim, kOffset: 0, vOffset: 0 };
  const prelude = [
    `// kv_append: k_cache[b, past + s] = rope(k_new[b·seq + s]), v_cache[b, past + s] = v_new[b·seq + s]`,
    `const KV_HEADS: u32 = ${kvHeads}u;`,
    `const HEAD_DIM: u32 = ${headDim}u;`,
    `const KV_WIDTH: u32 = ${kvHeads * headDim}u; // KV_HEADS * HEAD_DIM, floats per cache position`,
    `const MAX_LEN: u32 = ${maxLen}u; // cache positions per batch row`,
    `const WORKGROUP: u32 = ${WORKGROUP}u;`,
    `const ROW_STRIDE: u32 = ${source.rowStride}u; // floats between rows of k_new and v_new`,
    `const K_OFFSET: u32 = ${source.kOffset}u; // where k starts in a row of k_new`,
    `const V_OFFSET: u32 = ${source.vOffset}u; // where v starts in a row of v_new`,
  ];
  if (rope) {
    const inv = ropeInverseFrequencies(headDim, ropeTheta);
    prelude.push(
      `const HALF: u32 = ${half}u; // HEAD_DIM / 2: channel i pairs with i + HALF`,
      `// ROPE_INV_FREQ[i] = theta^(-2i / HEAD_DIM), theta = ${ropeTheta}, computed in float64`,
      `const ROPE_INV_FREQ = array<f32, ${half}>(${inv.map(f32Literal).join(", ")});`,
      "",
      SINCOS_WGSL,
    );
  }
  const keys = rope
    ? `  for (var i = lid; i < KV_HEADS * HALF; i += WORKGROUP) {
    let e = (i / HALF) * HEAD_DIM + i % HALF; // first channel of the rotated pair
    let r = rope_sincos(vec4<f32>(position * ROPE_INV_FREQ[i % HALF]));
    let c = r.c.x;
    let s = r.s.x;
    let x1 = k_new[ksrc + e];
    let x2 = k_new[ksrc + e + HALF];
    k_cache[dst + e] = x1 * c - x2 * s;
    k_cache[dst + e + HALF] = x2 * c + x1 * s;
  }`
    : `  for (var i = lid; i < KV_WIDTH; i += WORKGROUP) {
    k_cache[dst + i] = k_new[ksrc + i];
  }`;
  const wgsl = `${prelude.join("\n")}

${paramsStruct(params)}@group(0) @binding(1) var<storage, read> k_new: array<f32>;
@group(0) @binding(2) var<storage, read> v_new: array<f32>;
@group(0) @binding(3) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_cache: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x; // b * seq + s
  let b = row / params.seq;
  let pos = params.past + row % params.seq;
  if (pos >= MAX_LEN) { return; }
  let ksrc = row * ROW_STRIDE + K_OFFSET;
  let vsrc = row * ROW_STRIDE + V_OFFSET;
  let dst = (b * MAX_LEN + pos) * KV_WIDTH;${rope ? "\n  let position = f32(pos);" : ""}
  for (var i = lid; i < KV_WIDTH; i += WORKGROUP) {
    v_cache[dst + i] = v_new[vsrc + i];
  }
${keys}
}
`;
  return {
    name: `kv_append_kv${kvHeads}_hd${headDim}_len${maxLen}${rope ? `_rope${ropeTheta}` : ""}${o.source ? `_from${source.rowStride}at${source.kOffset},${source.vOffset}` : ""}`,
    wgsl,
    entryPoint: "main",
    bindings: [
      { name: "params", access: "uniform" },
      { name: "k_new", access: "read" },
      { name: "v_new", access: "read" },
      { name: "k_cache", access: "read_write" },
      { name: "v_cache", access: "read_write" },
    ],
    workgroupSize: [WORKGROUP, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [{ expr: "batch * seq", divisor: 1 }, 1, 1],
    params,
  };
}
