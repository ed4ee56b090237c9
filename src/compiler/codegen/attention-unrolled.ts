/**
 * The attention kernel for CPU adapters (prefill, and decode steps over short caches): the
 * semantics of attentionKernel (attention.ts), generated as straight-line code for how
 * SwiftShader runs compute shaders.
 *
 * Why a second kernel: SwiftShader runs four invocations in the lanes of a SIMD register and has
 * no registers to index, so a private array read with a loop index (attentionKernel's q, scores
 * and accumulators) becomes a per-lane gather from the stack, and a workgroup barrier switches
 * every invocation's coroutine. Here every loop over head channels and query rows is unrolled by
 * the generator into named variables (q_r_c, acc_r_c), keys are read straight from the cache (no
 * workgroup memory, no barriers) and each key read serves ROWS query slots; the softmax is online
 * per key (running max m, sum l, unnormalised output acc).
 *
 * Layout: a workgroup of THREADS invocations serves one (batch row, kv head) and BLOCK =
 * THREADS · ROWS query slots (slot i = query i / GROUP of head kvh · GROUP + i % GROUP); invocation
 * tid takes slots tid + r · THREADS, so neighbouring lanes hold neighbouring queries and walk
 * about as many causal keys.
 *
 * Bindings and params: as attentionKernel (params {seq, past, keys}, q, k_cache, v_cache, [mask],
 * [bias_table], out). Dispatch: [ceil(seq · group / BLOCK), kv_heads, batch].
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { paramsStruct } from "../../contracts/kernel.ts";
import type { AttentionOptions } from "./attention.ts";
import {
  attentionBindings,
  attentionKernelName,
  attentionParams,
  attentionStorageWgsl,
  checkAttentionOptions,
  ropePrelude,
} from "./attention.ts";
import { alibiWgsl, bucketWgsl, f32Literal } from "./attention-wgsl.ts";

/** The blocking of the unrolled kernel. */
export interface UnrolledAttentionTile {
  /** Query slots per invocation: each key and value row read serves this many. */
  rows: number;
  /** Invocations per workgroup. */
  threads: number;
}

/**
 * The tile measured fastest on SwiftShader (2 cores) at [4 heads, 128 positions, head_dim 64]:
 * 17 ms against 24 (2 rows), 60 (1 row) and 94 (attentionKernel's CPU tile) in one run, not
 * causal; 8 rows were no faster and take 3× longer to compile (SwiftShader's JIT grows with the
 * unrolled code: about 2.6 s for this tile at head_dim 64, once per pipeline).
 */
export const UNROLLED_ATTENTION_TILE: Readonly<UnrolledAttentionTile> = Object.freeze({
  rows: 4,
  threads: 16,
});

/** Finite stand-in for −∞, as in attention.ts: below any real score. */
const NEG = "-1e30";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Generates the unrolled kernel for one layer's options; throws RangeError on bad options. */
export function unrolledAttentionKernel(
  o: AttentionOptions,
  tile: UnrolledAttentionTile = UNROLLED_ATTENTION_TILE,
): Kernel {
  checkAttentionOptions("unrolledAttentionKernel", o);
  const { rows: R, threads: W } = tile;
  if (!Number.isInteger(R) || R < 1 || R > 8)
    throw new RangeError(`unrolledAttentionKernel: tile.rows must be in 1..8, got ${R}`);
  if (!Number.isInteger(W) || W < 1 || W > 256)
    throw new RangeError(`unrolledAttentionKernel: tile.threads must be in 1..256, got ${W}`);
  const group = o.heads / o.kvHeads;
  const hd4 = o.headDim / 4;
  const rope = o.ropeTheta !== null;
  const rs = range(R);
  const cs = range(hd4);

  const prelude = [
    `// attention (prefill), unrolled for CPU adapters: softmax(q·Kᵀ·SCALE [+ bias])·V over cache keys [0, params.keys)`,
    `const HEADS: u32 = ${o.heads}u;`,
    `const KV_HEADS: u32 = ${o.kvHeads}u;`,
    `const GROUP: u32 = ${group}u; // HEADS / KV_HEADS query heads per kv head`,
    `const HD4: u32 = ${hd4}u; // head_dim / 4 vec4s per head row`,
    `const Q_ROW4: u32 = ${(o.qRowStride ?? o.heads * o.headDim) / 4}u; // vec4s between rows of q`,
    `const MAX_LEN: u32 = ${o.maxLen}u; // cache positions per batch row`,
    `const SCALE: f32 = ${f32Literal(o.scale)}; // folded into q`,
    `const THREADS: u32 = ${W}u; // invocations per workgroup`,
    `const BLOCK: u32 = ${W * R}u; // THREADS · ROWS query slots per workgroup`,
    `const NEG: f32 = ${NEG}; // "no score": finite, below any real score`,
  ];
  if (rope) prelude.push(...ropePrelude(o));
  if (o.positionBias) prelude.push("", bucketWgsl(o.positionBias, o.maxLen));
  if (o.alibi) prelude.push("", alibiWgsl(o.heads));

  const decls = attentionStorageWgsl(o, "out");

  const body: string[] = [
    `  let b = wid.z;`,
    `  let kvh = wid.y;`,
    `  let slots = params.seq * GROUP;`,
    `  let cache_b = b * MAX_LEN;`,
  ];
  for (const r of rs) {
    body.push(
      `  // slot ${r} of this invocation (clamped to the last slot when past the end: never stored)`,
      `  let i${r} = wid.x * BLOCK + tid + ${r}u * THREADS;`,
      `  let ok${r} = i${r} < slots;`,
      ...(r === 0
        ? [`  if (!ok0) { return; } // no slot here (slots grow with r); no barrier follows`]
        : []),
      `  let slot${r} = min(i${r}, slots - 1u);`,
      `  let head${r} = kvh * GROUP + slot${r} % GROUP;`,
      `  let qpos${r} = params.past + slot${r} / GROUP;`,
      ...(o.alibi ? [`  let slope${r} = alibi_slope(head${r});`] : []),
      `  let qrow${r} = b * params.seq + slot${r} / GROUP;`,
      `  let qb${r} = qrow${r} * Q_ROW4 + head${r} * HD4;`,
      ...cs.map((c) => `  var q${r}_${c} = q[qb${r} + ${c}u] * SCALE;`),
    );
    if (rope) {
      body.push(`  let position${r} = f32(qpos${r});`);
      for (const j of range(hd4 / 2)) {
        const [lo, hi] = [`q${r}_${j}`, `q${r}_${j + hd4 / 2}`];
        body.push(
          `  { let rot = rope_sincos(position${r} * ROPE_INV_FREQ[${j}]); let x1 = ${lo}; let x2 = ${hi}; ${lo} = x1 * rot.c - x2 * rot.s; ${hi} = x2 * rot.c + x1 * rot.s; }`,
        );
      }
    }
    body.push(
      `  var m${r} = NEG;`,
      `  var l${r} = 0.0;`,
      ...cs.map((c) => `  var acc${r}_${c} = vec4<f32>();`),
    );
  }
  body.push(
    `  var k_end = params.keys;`,
    ...(o.causal
      ? [`  k_end = min(k_end, qpos${R - 1} + 1u); // the last slot's query sees the most keys`]
      : []),
    `  for (var t = 0u; t < k_end; t++) {`,
    ...(o.padding ? [`    if (mask[b * params.keys + t] == 0u) { continue; }`] : []),
    `    let kb = ((cache_b + t) * KV_HEADS + kvh) * HD4;`,
    ...cs.map((c) => `    let k${c} = k_cache[kb + ${c}u];`),
  );
  for (const r of rs) {
    const live = [`ok${r}`, ...(o.causal ? [`t <= qpos${r}`] : [])].join(" && ");
    const bias = o.positionBias
      ? ` + bias_table[t5_bucket(i32(t) - i32(qpos${r})) * HEADS + head${r}]`
      : o.alibi
        ? ` - slope${r} * abs(f32(t) - f32(qpos${r}))`
        : "";
    body.push(
      `    let live${r} = ${live};`,
      `    let s${r} = select(NEG, ${cs.map((c) => `dot(q${r}_${c}, k${c})`).join(" + ")}${bias}, live${r});`,
      `    let m_new${r} = max(m${r}, s${r});`,
      `    let corr${r} = exp(m${r} - m_new${r});`,
      `    let p${r} = select(0.0, exp(s${r} - m_new${r}), live${r});`,
      `    l${r} = l${r} * corr${r} + p${r};`,
      `    m${r} = m_new${r};`,
    );
  }
  body.push(...cs.map((c) => `    let v${c} = v_cache[kb + ${c}u];`));
  for (const r of rs)
    body.push(...cs.map((c) => `    acc${r}_${c} = acc${r}_${c} * corr${r} + p${r} * v${c};`));
  body.push(`  }`);
  for (const r of rs) {
    body.push(
      `  if (ok${r}) {`,
      `    let ob = (qrow${r} * HEADS + head${r}) * HD4;`,
      `    let inv_l = select(0.0, 1.0 / l${r}, l${r} > 0.0); // every key masked: 0, as the reference`,
      ...cs.map((c) => `    out[ob + ${c}u] = acc${r}_${c} * inv_l;`),
      `  }`,
    );
  }

  const wgsl = `${prelude.join("\n")}

${paramsStruct(attentionParams(o))}${decls.join("\n")}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
${body.join("\n")}
}
`;
  const slots = group === 1 ? "seq" : `${group} * seq`;
  const name = attentionKernelName("attention_unrolled", o, [`r${R}t${W}`]);
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings: attentionBindings(o, "out"),
    workgroupSize: [W, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [{ expr: slots, divisor: W * R }, o.kvHeads, { expr: "batch", divisor: 1 }],
    params: attentionParams(o),
  };
}
