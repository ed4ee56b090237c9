/**
 * Fused attention kernels in the flash-attention style: q·Kᵀ, masks, bias, online softmax and the
 * weighted sum of V in one pass over the KV cache, never an N×N score buffer.
 *
 * - attentionKernel: prefill (and cross-attention). A workgroup takes one (batch, kv head) and a
 *   block of query slots; K/V tiles go through workgroup memory and are shared by every slot.
 * - decodeAttentionKernel + decodeCombineKernel: one new token per sequence; the key range is split
 *   over workgroups (flash-decoding), each writing a partial (max, sum, weighted V) that the
 *   combine kernel merges.
 *
 * Common semantics (equal to src/runtime/reference/attention.ts):
 * - q: [batch·seq, heads·head_dim] before RoPE; row b·seq + s is the query at position past + s,
 *   rotated (rotate-half RoPE) in registers when ropeTheta is set.
 * - k_cache, v_cache: [batch, max_len, kv_heads·head_dim], keys already rotated (kvAppendKernel).
 * - Keys [0, keys) of the cache are attended, where `keys` is a params field: past + seq for
 *   self-attention; src_len for cross-attention (`cross: true`, whose query positions are unused).
 * - GQA: head h reads kv head floor(h / (heads / kv_heads)); a workgroup serves all heads of a group
 *   so each K/V tile is loaded once for them.
 * - causal: key t is masked for the query at position p when t > p; padding: mask [batch, keys] u32,
 *   0 masks the key; a row with every key masked gives 0, as the reference's softmax does.
 * - T5 bias: bias_table [buckets, heads] (row = bucket of key − query) added to the scaled score.
 * - ALiBi: −slope_h · |query position − key position| added to the scaled score (alibiWgsl).
 * - out: [batch·seq, heads·head_dim] (the output projection is a separate matmul).
 */

import { type DispatchAxis, type Kernel, paramsStruct } from "../../contracts/kernel.ts";
import {
  alibiWgsl,
  bucketWgsl,
  f32Literal,
  type PositionBias,
  ropeInverseFrequencies,
  SINCOS_WGSL,
} from "./attention-wgsl.ts";

export type { PositionBias } from "./attention-wgsl.ts";

/** Static settings of one attention layer, baked into its kernels. */
export interface AttentionOptions {
  heads: number;
  kvHeads: number;
  /** Channels per head; a multiple of 4 (vec4 loads), of 8 with RoPE (rotated pairs are vec4s). */
  headDim: number;
  /** Positions per batch row in the KV cache (the spec's sequence bound). */
  maxLen: number;
  causal: boolean;
  /** Multiplies q·k before the bias (usually 1/√head_dim). */
  scale: number;
  /** RoPE base for q, or null (the cache's keys are rotated by kvAppendKernel with the same base). */
  ropeTheta: number | null;
  /** Whether a `mask` binding [batch, keys] (u32, 1 = real key) masks padded keys. */
  padding: boolean;
  /** T5 relative position bias, read from a `bias_table` binding [buckets, heads]. */
  positionBias?: PositionBias;
  /** ALiBi: each head's scores get −slope · |query − key| (self-attention, no T5 bias). */
  alibi?: boolean;
  /**
   * Floats between consecutive rows of `q` (default heads · headDim). A fused QKV projection
   * writes q, k and v side by side in one [rows, (heads + 2·kvHeads)·headDim] buffer; q is the
   * first heads · headDim of each row, so the kernel reads it with this stride.
   */
  qRowStride?: number;
  /**
   * Cross-attention: keys = src_len (the memory's K/V, written once by kvAppendKernel at past = 0,
   * seq = src_len) and the `past` param is 0. Needs causal false and ropeTheta null.
   */
  cross?: boolean;
}

/** Tiling of the prefill kernel; a missing field takes defaultAttentionTile("gpu", headDim)'s. */
export interface AttentionTile {
  /** Query slots (query × head of a GQA group) per workgroup. */
  queries?: number;
  /**
   * Query slots per thread (divides `queries`): each K/V vector read from the tile serves `rows`
   * queries held in registers.
   */
  rows?: number;
  /**
   * Threads per query slot, splitting each K/V tile's keys between them and merging their
   * softmax states at the end. Default 1: one thread per query, every thread reading the same
   * key of the tile at once (a broadcast); more lanes help when seq · group is small.
   */
  lanes?: number;
  /** Keys per lane per tile (tile = lanes × keysPerLane keys). */
  keysPerLane?: number;
  /**
   * Whether K/V tiles pass through workgroup memory (true), or each thread reads its keys from
   * the cache itself, with no barrier in the key loop (false).
   */
  staged?: boolean;
}

export interface PrefillOptions extends AttentionOptions {
  /** Defaults to defaultAttentionTile("gpu", headDim) field by field. */
  tile?: AttentionTile;
}

/**
 * The prefill tile to use before anything is measured, by adapter kind; K/V tiles stay within
 * 8 KiB (fewer keys per tile past head_dim 128). Measured with bench/attention.ts-style runs:
 * - "cpu" (SwiftShader): 64 query slots per workgroup, 4 per thread, tiles of 8 keys. Each K/V
 *   vector read from workgroup memory serves 4 queries: ~2.5× less CPU time than 1 per thread at
 *   [4 heads, 128, 64].
 * - "gpu": 128 query slots, 1 per thread, tiles of 4 keys: on an H100 (Dawn over Vulkan) within
 *   16% of the best of 11 tiles at each of 5 shapes tried (4–32 heads, head_dim 64–128, 128–4096
 *   positions, causal or not); 2 queries per thread were slower at every shape (registers).
 */
export function defaultAttentionTile(
  kind: "gpu" | "cpu",
  headDim: number,
): Required<AttentionTile> {
  const fit = Math.max(1, Math.floor(8192 / (8 * headDim))); // keys whose K+V rows fit 8 KiB
  return kind === "cpu"
    ? { queries: 64, rows: 4, lanes: 1, keysPerLane: Math.min(8, fit), staged: true }
    : { queries: 128, rows: 1, lanes: 1, keysPerLane: Math.min(4, fit), staged: true };
}

export interface DecodeOptions extends AttentionOptions {
  /**
   * Keys per workgroup of the split (default 256). The split rule: a decode step launches
   * ceil(keys / chunk) workgroups per (batch, kv head), each covering `chunk` consecutive cache
   * positions, and decodeCombineKernel merges their partials. When chunk ≥ max_len the split is
   * off: one workgroup covers every key and writes `out` directly, with no combine step.
   */
  chunk?: number;
  /**
   * Threads per thread-slot group, each streaming every `lanes`-th key of the chunk (default
   * ⌊64 / (group / rows)⌋: about 64 threads per workgroup).
   */
  lanes?: number;
  /**
   * Heads of the GQA group per thread (divides heads / kvHeads; default 1): each key row read
   * from the cache then serves `rows` heads.
   */
  rows?: number;
}

/** Workgroup memory the kernels plan for (WebGPU's default maxComputeWorkgroupStorageSize). */
const WORKGROUP_MEMORY = 16384;
/** Bytes of the decode kernel's merge scratch (it has no K/V tiles to reuse). */
const DECODE_SCRATCH = 8192;
/** Finite stand-in for −∞ (WGSL does not promise infinities): no real score gets near it. */
const NEG = -1e30;

/** How one generated kernel walks the keys and what it writes. */
interface Plan {
  kind: "prefill" | "decode";
  /** Query slots per workgroup. */
  block: number;
  /** Query slots per thread (register blocking); divides block. */
  rows: number;
  /** Threads per slot. */
  lanes: number;
  /** Keys per lane per tile. */
  keysPerLane: number;
  /** Prefill: K/V tiles through workgroup memory. Decode: each lane streams its keys. */
  tiled: boolean;
  /** Decode: keys per workgroup (x axis of the dispatch); prefill: unused. */
  chunk: number;
  /** Decode: the number of partials per (batch, head) the buffer holds, ceil(max_len / chunk). */
  splits: number;
  output: "out" | "partials";
}

/** Throws RangeError when the options cannot be generated (shared by every attention kernel). */
export function checkAttentionOptions(fn: string, o: AttentionOptions): void {
  for (const [name, value] of Object.entries({
    heads: o.heads,
    kvHeads: o.kvHeads,
    headDim: o.headDim,
    maxLen: o.maxLen,
  })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${fn}: ${name} must be a positive integer, got ${value}`);
  }
  if (o.heads % o.kvHeads !== 0)
    throw new RangeError(`${fn}: heads (${o.heads}) must be a multiple of kvHeads (${o.kvHeads})`);
  if (o.headDim % 4 !== 0)
    throw new RangeError(
      `${fn}: headDim ${o.headDim} is not a multiple of 4; the kernel loads vec4s (needs: a scalar path)`,
    );
  if (o.ropeTheta !== null && o.headDim % 8 !== 0)
    throw new RangeError(
      `${fn}: RoPE rotates vec4 pairs and needs headDim a multiple of 8, got ${o.headDim}`,
    );
  const stride = o.qRowStride ?? o.heads * o.headDim;
  if (!Number.isInteger(stride) || stride < o.heads * o.headDim || stride % 4 !== 0)
    throw new RangeError(
      `${fn}: qRowStride ${stride} must be a multiple of 4 of at least heads · headDim`,
    );
  if (o.cross && (o.causal || o.ropeTheta !== null || o.alibi))
    throw new RangeError(`${fn}: cross-attention has no causal mask, no RoPE and no ALiBi`);
  if (o.alibi && o.positionBias)
    throw new RangeError(`${fn}: ALiBi and a T5 bias cannot both be set`);
}

/** The keys expression of the params uniform. */
function keysExpr(o: AttentionOptions): string {
  return o.cross ? "src_len" : "past + seq";
}

/** The params uniform of every attention kernel: seq, past, keys. */
export function attentionParams(o: AttentionOptions): Kernel["params"] {
  return [
    { name: "seq", value: "seq" },
    { name: "past", value: o.cross ? 0 : "past" },
    { name: "keys", value: keysExpr(o) },
  ];
}

/** The RoPE prelude of a kernel that rotates q: HALF4, the inverse frequencies, sin/cos. */
export function ropePrelude(o: AttentionOptions): string[] {
  const hd4 = o.headDim / 4;
  const inv = ropeInverseFrequencies(o.headDim, o.ropeTheta!);
  const vecs = Array.from(
    { length: hd4 / 2 },
    (_, j) =>
      `vec4<f32>(${inv
        .slice(4 * j, 4 * j + 4)
        .map(f32Literal)
        .join(", ")})`,
  );
  return [
    `const HALF4: u32 = ${hd4 / 2}u; // HD4 / 2: vec4 j rotates with vec4 j + HALF4`,
    `// ROPE_INV_FREQ[j][c] = theta^(-2(4j + c) / HEAD_DIM), theta = ${o.ropeTheta}, computed in float64`,
    `const ROPE_INV_FREQ = array<vec4<f32>, ${hd4 / 2}>(${vecs.join(", ")});`,
    "",
    SINCOS_WGSL,
  ];
}

/** The storage declarations of an attention kernel, in attentionBindings order. */
export function attentionStorageWgsl(o: AttentionOptions, output: "out" | "partials"): string[] {
  return attentionBindings(o, output)
    .filter((b) => b.access !== "uniform")
    .map((b, i) => {
      const type = b.name === "mask" ? "u32" : b.name === "bias_table" ? "f32" : "vec4<f32>";
      const access = b.access === "read" ? "read" : "read_write";
      return `@group(0) @binding(${i + 1}) var<storage, ${access}> ${b.name}: array<${type}>;`;
    });
}

/** The kernel's WGSL and its workgroup memory in bytes. */
function generate(o: AttentionOptions, plan: Plan): { wgsl: string; workgroupBytes: number } {
  const { heads, kvHeads, headDim, maxLen, causal, padding, positionBias } = o;
  const group = heads / kvHeads;
  const hd4 = headDim / 4;
  const threads = (plan.block / plan.rows) * plan.lanes;
  const states = plan.block * plan.lanes; // (slot, lane) softmax states per workgroup
  const tileKeys = plan.lanes * plan.keysPerLane;
  const rope = o.ropeTheta !== null;
  const merged = plan.lanes > 1;

  // Merge scratch: the K/V tile memory of the prefill kernel, a dedicated buffer for decode.
  const kvVec4 = 2 * tileKeys * hd4;
  const scratchVec4 = plan.tiled
    ? Math.max(kvVec4, merged ? states : 0)
    : Math.max(states, Math.min(states * hd4, DECODE_SCRATCH / 16));
  const perPass = Math.min(hd4, Math.floor(scratchVec4 / states)); // channels merged per pass
  const passes = Math.ceil(hd4 / perPass);
  let workgroupBytes = plan.tiled || merged ? scratchVec4 * 16 : 0;
  if (plan.tiled && padding) workgroupBytes += tileKeys * 4;
  if (merged) workgroupBytes += 2 * states * 4;

  const what = [
    positionBias ? "T5 bias" : "",
    o.alibi ? "ALiBi" : "",
    causal ? "causal" : "",
    padding ? "padding mask" : "",
    rope ? "RoPE on q" : "",
  ].filter(Boolean);
  const prelude = [
    `// ${plan.kind === "prefill" ? "flash attention (prefill)" : "flash-decoding"}: softmax(q·Kᵀ·SCALE [+ bias])·V over cache keys [0, params.keys)${what.length ? `; ${what.join(", ")}` : ""}`,
    `const HEADS: u32 = ${heads}u;`,
    `const KV_HEADS: u32 = ${kvHeads}u;`,
    `const GROUP: u32 = ${group}u; // HEADS / KV_HEADS query heads per kv head`,
    `const HEAD_DIM: u32 = ${headDim}u;`,
    `const HD4: u32 = ${hd4}u; // HEAD_DIM / 4 vec4s per head row`,
    `const Q_ROW4: u32 = ${(o.qRowStride ?? heads * headDim) / 4}u; // vec4s between rows of q (a fused QKV row holds q, k, v)`,
    `const MAX_LEN: u32 = ${maxLen}u; // cache positions per batch row`,
    `const SCALE: f32 = ${f32Literal(o.scale)}; // folded into q`,
    `const BLOCK: u32 = ${plan.block}u; // query slots (query, head of the group) per workgroup`,
    `const ROWS: u32 = ${plan.rows}u; // slots per thread: each K/V load serves ROWS queries`,
    `const LANES: u32 = ${plan.lanes}u; // threads per slot, each taking every LANES-th key`,
    `const THREADS: u32 = ${threads}u; // BLOCK / ROWS * LANES`,
    `const KEYS_PER_LANE: u32 = ${plan.keysPerLane}u;`,
    `const TILE_KEYS: u32 = ${tileKeys}u; // LANES * KEYS_PER_LANE keys per step`,
    `const NEG: f32 = ${NEG.toExponential()}; // "no score": finite, below any real score`,
  ];
  if (plan.kind === "decode") {
    prelude.push(
      `const CHUNK: u32 = ${plan.chunk}u; // workgroup x covers keys [x * CHUNK, (x + 1) * CHUNK)`,
    );
    if (plan.output === "partials")
      prelude.push(
        `const SPLITS: u32 = ${plan.splits}u; // ceil(MAX_LEN / CHUNK) partials per (batch, head)`,
      );
  }
  if (merged)
    prelude.push(
      `const PER_PASS: u32 = ${perPass}u; // vec4 channels merged across lanes per pass`,
      `const PASSES: u32 = ${passes}u; // ceil(HD4 / PER_PASS)`,
    );
  if (rope) prelude.push(...ropePrelude(o));
  if (positionBias) prelude.push("", bucketWgsl(positionBias, maxLen));
  if (o.alibi) prelude.push("", alibiWgsl(heads));

  const bindings = attentionStorageWgsl(o, plan.output);

  const shared: string[] = [];
  if (plan.tiled) {
    shared.push(
      `// K tile at [0, TILE_KEYS * HD4), V tile after it; then the lanes' merge scratch`,
      `var<workgroup> kv: array<vec4<f32>, ${scratchVec4}>;`,
    );
    if (padding) shared.push(`var<workgroup> key_ok: array<u32, ${tileKeys}>;`);
  } else if (merged) {
    shared.push(`var<workgroup> kv: array<vec4<f32>, ${scratchVec4}>; // merge scratch`);
  }
  if (merged)
    shared.push(
      `var<workgroup> red_m: array<f32, ${states}>; // each (slot, lane)'s running max`,
      `var<workgroup> red_l: array<f32, ${states}>; // each (slot, lane)'s running sum`,
    );

  // Where key t's head row starts: in the tile (prefill) or in the cache (decode).
  const cacheRow = (t: string) => `((cache_b + ${t}) * KV_HEADS + kvh) * HD4`;
  const keyRow = plan.tiled ? "kl * HD4" : cacheRow("t");
  const kAt = plan.tiled ? "kv[kb + c]" : "k_cache[kb + c]";
  const vAt = plan.tiled ? "kv[TILE_KEYS * HD4 + vb + c]" : "v_cache[vb + c]";
  const keyLive = ["any_valid", "t < k_end"];
  if (padding) keyLive.push(plan.tiled ? "key_ok[kl] != 0u" : "mask[b * params.keys + t] != 0u");
  const rowLive = ["live", "valid[r] != 0u"];
  if (causal) rowLive.push("t <= qpos[r]");
  const bias = positionBias
    ? " + bias_table[t5_bucket(i32(t) - i32(qpos[r])) * HEADS + head[r]]"
    : o.alibi
      ? " - slope[r] * abs(f32(t) - f32(qpos[r]))"
      : "";

  const load = plan.tiled
    ? `    workgroupBarrier(); // every thread is done with the previous tile
    for (var e = tid; e < TILE_KEYS * HD4; e += THREADS) {
      let t = tile + e / HD4;
      var kx = vec4<f32>();
      var vx = vec4<f32>();
      if (t < k_end) {
        let g = ${cacheRow("t")} + e % HD4;
        kx = k_cache[g];
        vx = v_cache[g];
      }
      kv[e] = kx;
      kv[TILE_KEYS * HD4 + e] = vx;
    }${
      padding
        ? `
    for (var e = tid; e < TILE_KEYS; e += THREADS) {
      let t = tile + e;
      var ok = 0u;
      if (t < k_end) { ok = mask[b * params.keys + t]; }
      key_ok[e] = ok;
    }`
        : ""
    }
    workgroupBarrier();
`
    : "";

  const outAt = (ch: string) =>
    plan.output === "out"
      ? `out[(qrow[r] * HEADS + head[r]) * HD4 + ${ch}]`
      : `partials[((b * HEADS + head[r]) * SPLITS + wid.x) * (HD4 + 1u) + 1u + ${ch}]`;
  const outValue = (sum: string) =>
    plan.output === "out" ? `select(vec4<f32>(), ${sum} / big_l, big_l > 0.0)` : sum;
  const header = (condition: string) =>
    plan.output === "partials"
      ? `
      // this split's partial: (max, sum, 0, 0), then the weighted V
      if (${condition}) {
        partials[((b * HEADS + head[r]) * SPLITS + wid.x) * (HD4 + 1u)] = vec4<f32>(big_m, big_l, 0.0, 0.0);
      }`
      : "";

  const merge = merged
    ? `  // Merge the lanes of each slot: common max, rescaled sums and accumulators.
  workgroupBarrier(); // the tiles are free: reuse them as scratch
  for (var r = 0u; r < ROWS; r++) {
    let state = (thread_slot + r) * LANES + lane;
    red_m[state] = m[r];
    red_l[state] = l[r];
  }
  workgroupBarrier();
  var factor: array<f32, ROWS>; // e^(m − big_m): this lane's share of its slot's result
  var norm: array<f32, ROWS>; // the slot's softmax sum
  for (var r = 0u; r < ROWS; r++) {
    let first = (thread_slot + r) * LANES;
    var big_m = NEG;
    for (var j = 0u; j < LANES; j++) { big_m = max(big_m, red_m[first + j]); }
    var big_l = 0.0;
    for (var j = 0u; j < LANES; j++) { big_l += red_l[first + j] * exp(red_m[first + j] - big_m); }
    factor[r] = exp(m[r] - big_m);
    norm[r] = big_l;${header("valid[r] != 0u && lane == 0u")}
  }
  for (var pass_ = 0u; pass_ < PASSES; pass_++) {
    let c0 = pass_ * PER_PASS;
    for (var r = 0u; r < ROWS; r++) {
      let state = (thread_slot + r) * LANES + lane;
      for (var c = 0u; c < PER_PASS && c0 + c < HD4; c++) {
        kv[state * PER_PASS + c] = acc[r * HD4 + c0 + c] * factor[r];
      }
    }
    workgroupBarrier();
    for (var r = 0u; r < ROWS; r++) {
      if (valid[r] != 0u) {
        let first = (thread_slot + r) * LANES;
        let big_l = norm[r];
        for (var c = lane; c < PER_PASS && c0 + c < HD4; c += LANES) {
          var sum = vec4<f32>();
          for (var j = 0u; j < LANES; j++) { sum += kv[(first + j) * PER_PASS + c]; }
          ${outAt("c0 + c")} = ${outValue("sum")};
        }
      }
    }
    workgroupBarrier();
  }`
    : `  for (var r = 0u; r < ROWS; r++) {
    let big_m = m[r];
    let big_l = l[r];${header("valid[r] != 0u")}
    if (valid[r] != 0u) {
      for (var c = 0u; c < HD4; c++) { ${outAt("c")} = ${outValue("acc[r * HD4 + c]")}; }
    }
  }`;

  const ropeCode = rope
    ? `
      // RoPE at position qpos: vec4 j and j + HALF4 hold the rotated pairs (i, i + HEAD_DIM / 2).
      let position = f32(params.past + s);
      for (var j = 0u; j < HALF4; j++) {
        let rot = rope_sincos(position * ROPE_INV_FREQ[j]);
        let x1 = qv[r * HD4 + j];
        let x2 = qv[r * HD4 + j + HALF4];
        qv[r * HD4 + j] = x1 * rot.c - x2 * rot.s;
        qv[r * HD4 + j + HALF4] = x2 * rot.c + x1 * rot.s;
      }`
    : "";

  const keyRange =
    plan.kind === "prefill"
      ? `  let first_slot = wid.x * BLOCK;
  let k_begin = 0u;
  var k_end = params.keys;`
      : `  let first_slot = 0u;
  let k_begin = wid.x * CHUNK;
  var k_end = min(params.keys, k_begin + CHUNK);`;

  const wgsl = `${prelude.join("\n")}

${paramsStruct(attentionParams(o))}${bindings.join("\n")}

${shared.join("\n")}

@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let b = wid.z;
  let kvh = wid.y;
  let lane = tid % LANES;
  let thread_slot = tid / LANES * ROWS; // this thread's first slot in the block
  // Query slot i in [0, seq * GROUP) is query s = i / GROUP of head kvh * GROUP + i % GROUP.
  let slots = params.seq * GROUP;
${keyRange}
  let cache_b = b * MAX_LEN;${
    causal
      ? `
  // Keys after the block's last query are masked for every slot: stop there.
  k_end = min(k_end, params.past + (min(slots, first_slot + BLOCK) - 1u) / GROUP + 1u);`
      : ""
  }

  // This thread's slots: their queries scaled (and rotated) in registers.
  var valid: array<u32, ROWS>; // 1: the slot is a real query
  var head: array<u32, ROWS>;
  var qpos: array<u32, ROWS>;${o.alibi ? "\n  var slope: array<f32, ROWS>; // ALiBi slope of each slot's head" : ""}
  var qrow: array<u32, ROWS>;
  var qv: array<vec4<f32>, ${plan.rows * hd4}>; // [ROWS, HD4]
  var any_valid = false;
  for (var r = 0u; r < ROWS; r++) {
    let i = first_slot + thread_slot + r;
    let s = i / GROUP;
    valid[r] = select(0u, 1u, i < slots);
    any_valid = any_valid || i < slots;
    head[r] = kvh * GROUP + i % GROUP;
    qpos[r] = params.past + s;${o.alibi ? "\n    slope[r] = alibi_slope(head[r]);" : ""}
    qrow[r] = b * params.seq + s;
    if (valid[r] != 0u) {
      let qb = qrow[r] * Q_ROW4 + head[r] * HD4;
      for (var c = 0u; c < HD4; c++) { qv[r * HD4 + c] = q[qb + c] * SCALE; }${ropeCode}
    }
  }

  // Online softmax over this lane's keys: running max m, sum l, unnormalised output acc.
  var m: array<f32, ROWS>;
  var l: array<f32, ROWS>;
  for (var r = 0u; r < ROWS; r++) { m[r] = NEG; }
  var acc: array<vec4<f32>, ${plan.rows * hd4}>; // [ROWS, HD4]
  var score: array<f32, ${plan.rows * plan.keysPerLane}>; // [ROWS, KEYS_PER_LANE]
  for (var tile = k_begin; tile < k_end; tile += TILE_KEYS) {
${load}    var tile_max: array<f32, ROWS>;
    for (var r = 0u; r < ROWS; r++) { tile_max[r] = NEG; }
    for (var u = 0u; u < KEYS_PER_LANE; u++) {
      let kl = lane + u * LANES; // the lane's u-th key of the tile
      let t = tile + kl;
      let live = ${keyLive.join(" && ")};
      // (zeroed by hand: a function-scope var in a loop body is not re-zeroed on every driver)
      var d: array<f32, ROWS>;
      for (var r = 0u; r < ROWS; r++) { d[r] = 0.0; }
      if (live) {
        let kb = ${keyRow};
        for (var c = 0u; c < HD4; c++) {
          let kx = ${kAt};
          for (var r = 0u; r < ROWS; r++) { d[r] += dot(qv[r * HD4 + c], kx); }
        }
      }
      for (var r = 0u; r < ROWS; r++) {
        var sv = NEG;
        if (${rowLive.join(" && ")}) { sv = d[r]${bias}; }
        score[r * KEYS_PER_LANE + u] = sv;
        tile_max[r] = max(tile_max[r], sv);
      }
    }
    for (var r = 0u; r < ROWS; r++) {
      if (tile_max[r] > NEG) {
        let m_new = max(m[r], tile_max[r]);
        let correction = exp(m[r] - m_new);
        m[r] = m_new;
        l[r] *= correction;
        for (var c = 0u; c < HD4; c++) { acc[r * HD4 + c] *= correction; }
      }
    }
    for (var u = 0u; u < KEYS_PER_LANE; u++) {
      var p: array<f32, ROWS>;
      var used = false;
      for (var r = 0u; r < ROWS; r++) {
        let sv = score[r * KEYS_PER_LANE + u];
        p[r] = 0.0;
        if (sv > NEG) {
          p[r] = exp(sv - m[r]);
          l[r] += p[r];
          used = true;
        }
      }
      if (used) {
        let kl = lane + u * LANES;
        let t = tile + kl;
        let vb = ${keyRow};
        for (var c = 0u; c < HD4; c++) {
          let vx = ${vAt};
          for (var r = 0u; r < ROWS; r++) { acc[r * HD4 + c] += p[r] * vx; }
        }
      }
    }
  }

${merge}
}
`;
  return { wgsl, workgroupBytes };
}

/** Bindings in binding order. */
export function attentionBindings(
  o: AttentionOptions,
  output: "out" | "partials",
): Kernel["bindings"] {
  const list: Kernel["bindings"] = [
    { name: "params", access: "uniform" },
    { name: "q", access: "read" },
    { name: "k_cache", access: "read" },
    { name: "v_cache", access: "read" },
  ];
  if (o.padding) list.push({ name: "mask", access: "read" });
  if (o.positionBias) list.push({ name: "bias_table", access: "read" });
  list.push({ name: output, access: "read_write" });
  return list;
}

function checkWorkgroup(fn: string, workgroup: number, bytes: number): void {
  if (workgroup > 256)
    throw new RangeError(`${fn}: ${workgroup} invocations per workgroup exceed WebGPU's 256`);
  if (bytes > WORKGROUP_MEMORY)
    throw new RangeError(
      `${fn}: ${bytes} bytes of workgroup memory exceed ${WORKGROUP_MEMORY}; use a smaller tile`,
    );
}

function nameOf(prefix: string, o: AttentionOptions, plan: Plan): string {
  return attentionKernelName(prefix, o, [
    `b${plan.block}r${plan.rows}x${plan.lanes}x${plan.keysPerLane}`,
    plan.kind === "decode" ? `chunk${plan.chunk}` : "",
  ]);
}

/** A kernel name that tells every option apart: prefix, dims, masks, then the tiling parts. */
export function attentionKernelName(prefix: string, o: AttentionOptions, tiling: string[]): string {
  return [
    prefix,
    `h${o.heads}`,
    `kv${o.kvHeads}`,
    `hd${o.headDim}`,
    `len${o.maxLen}`,
    o.causal ? "causal" : "",
    o.ropeTheta !== null ? `rope${o.ropeTheta}` : "",
    o.padding ? "pad" : "",
    o.positionBias ? "t5" : "",
    o.alibi ? "alibi" : "",
    o.cross ? "cross" : "",
    o.qRowStride !== undefined && o.qRowStride !== o.heads * o.headDim
      ? `qstride${o.qRowStride}`
      : "",
    ...tiling,
  ]
    .filter(Boolean)
    .join("_");
}

/**
 * The flash-attention prefill kernel. A workgroup serves one batch row, one kv head and a block
 * of `tile.queries` query slots (query × head of the GQA group), `tile.rows` slots per thread
 * with their q rotated and scaled in registers; K/V tiles of `lanes × keysPerLane` keys pass
 * through workgroup memory (unless `staged: false`); each slot's `lanes` threads split each tile's
 * keys with their own online softmax (running max, sum, unnormalised output), merged at the end.
 * Causal workgroups stop at their last query's position. Memory: O(tile), never N×N.
 *
 * Bindings: params {seq, past, keys}, q, k_cache, v_cache, [mask], [bias_table], out (read_write).
 * Dispatch: [ceil(seq · group / queries), kv_heads, batch].
 */
export function attentionKernel(o: PrefillOptions): Kernel {
  checkAttentionOptions("attentionKernel", o);
  const group = o.heads / o.kvHeads;
  const fallback = defaultAttentionTile("gpu", o.headDim);
  const lanes = o.tile?.lanes ?? fallback.lanes;
  const block = o.tile?.queries ?? fallback.queries;
  const rows = o.tile?.rows ?? fallback.rows;
  // K+V tiles within 8 KiB: lanes · keysPerLane · head_dim · 8 bytes.
  const keysPerLane = o.tile?.keysPerLane ?? Math.max(1, Math.floor(fallback.keysPerLane / lanes));
  for (const [name, value] of Object.entries({ queries: block, rows, lanes, keysPerLane })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(
        `attentionKernel: tile.${name} must be a positive integer, got ${value}`,
      );
  }
  if (block % rows !== 0)
    throw new RangeError(
      `attentionKernel: tile.rows (${rows}) must divide tile.queries (${block})`,
    );
  const plan: Plan = {
    kind: "prefill",
    block,
    rows,
    lanes,
    keysPerLane,
    tiled: o.tile?.staged ?? fallback.staged,
    chunk: 0,
    splits: 0,
    output: "out",
  };
  const { wgsl, workgroupBytes } = generate(o, plan);
  const threads = (block / rows) * lanes;
  checkWorkgroup("attentionKernel", threads, workgroupBytes);
  const slots = group === 1 ? "seq" : `${group} * seq`;
  return {
    name: nameOf("attention", o, plan),
    wgsl,
    entryPoint: "main",
    bindings: attentionBindings(o, "out"),
    workgroupSize: [threads, 1, 1],
    workgroupStorageBytes: workgroupBytes,
    dispatch: [{ expr: slots, divisor: block }, o.kvHeads, { expr: "batch", divisor: 1 }],
    params: attentionParams(o),
  };
}

/** The split plan of the decode kernels for these options (see DecodeOptions.chunk). */
export function decodeSplit(o: DecodeOptions): { chunk: number; splits: number; split: boolean } {
  const chunk = o.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1)
    throw new RangeError(`decode: chunk must be a positive integer, got ${chunk}`);
  const splits = Math.ceil(o.maxLen / chunk);
  return { chunk, splits, split: splits > 1 };
}

function decodePlan(o: DecodeOptions): Plan {
  const group = o.heads / o.kvHeads;
  const rows = o.rows ?? 1;
  if (!Number.isInteger(rows) || rows < 1 || group % rows !== 0)
    throw new RangeError(`decode: rows (${rows}) must divide heads / kvHeads (${group})`);
  const lanes = o.lanes ?? Math.max(1, Math.floor(64 / (group / rows)));
  const { chunk, splits, split } = decodeSplit(o);
  return {
    kind: "decode",
    block: group,
    rows,
    lanes,
    keysPerLane: 2,
    tiled: false,
    chunk: split ? chunk : o.maxLen,
    splits,
    output: split ? "partials" : "out",
  };
}

/**
 * Flash-decoding for one new token per sequence (seq = 1, q: [batch, heads·head_dim]). A workgroup
 * serves one batch row, one kv head (all `group` heads of it, so each key is read for all of
 * them) and `chunk` keys, its lanes streaming their keys from the cache with an online softmax.
 * Split (chunk < max_len): ceil(keys / chunk) workgroups along x each write a partial to
 * `partials` [batch, heads, ceil(max_len / chunk), head_dim + 4] (vec4 0 = (max, sum, 0, 0), then
 * the unnormalised weighted V), merged by decodeCombineKernel. Unsplit: one workgroup, writes out.
 *
 * Bindings: params {seq, past, keys}, q, k_cache, v_cache, [mask], [bias_table], then
 * partials (read_write) when split, else out (read_write).
 * Dispatch: [ceil(keys / chunk) when split else 1, kv_heads, batch].
 */
export function decodeAttentionKernel(o: DecodeOptions): Kernel {
  checkAttentionOptions("decodeAttentionKernel", o);
  const plan = decodePlan(o);
  const { wgsl, workgroupBytes } = generate(o, plan);
  const threads = (plan.block / plan.rows) * plan.lanes;
  checkWorkgroup("decodeAttentionKernel", threads, workgroupBytes);
  const splitAxis: DispatchAxis =
    plan.output === "partials" ? { expr: keysExpr(o), divisor: plan.chunk } : 1;
  return {
    name: nameOf("decode_attention", o, plan),
    wgsl,
    entryPoint: "main",
    bindings: attentionBindings(o, plan.output),
    workgroupSize: [threads, 1, 1],
    workgroupStorageBytes: workgroupBytes,
    dispatch: [splitAxis, o.kvHeads, { expr: "batch", divisor: 1 }],
    params: attentionParams(o),
  };
}

/**
 * Floats of `partials` per (batch, head): ceil(max_len / chunk) partials of head_dim + 4 floats,
 * (max, sum, 0, 0) then the unnormalised weighted V. The buffer is [batch, heads, that].
 */
export function decodePartialSize(o: DecodeOptions): number {
  return decodeSplit(o).splits * (o.headDim + 4);
}

/**
 * Merges the split decode kernel's partials: out[b, h] = Σ_i e^(m_i − M) acc_i / Σ_i e^(m_i − M) l_i
 * over the ceil(keys / chunk) splits, M = max_i m_i; 0 when every key was masked. Only for split
 * plans (decodeSplit(o).split); give it the same options as decodeAttentionKernel.
 *
 * Bindings: params {keys}, partials, out (read_write). Dispatch: [heads, batch, 1].
 */
export function decodeCombineKernel(o: DecodeOptions): Kernel {
  checkAttentionOptions("decodeCombineKernel", o);
  const { chunk, splits, split } = decodeSplit(o);
  if (!split)
    throw new RangeError(
      `decodeCombineKernel: chunk ${chunk} ≥ maxLen ${o.maxLen}: the decode kernel is unsplit and writes out itself`,
    );
  const hd4 = o.headDim / 4;
  const workgroup = Math.min(64, hd4);
  const params: Kernel["params"] = [{ name: "keys", value: keysExpr(o) }];
  const wgsl = `// decode_combine: merges the flash-decoding partials of each (batch, head)
const HEADS: u32 = ${o.heads}u;
const HD4: u32 = ${hd4}u; // head_dim / 4
const CHUNK: u32 = ${chunk}u; // keys per split
const SPLITS: u32 = ${splits}u; // ceil(max_len / CHUNK): partials stored per (batch, head)
const STRIDE: u32 = ${hd4 + 1}u; // vec4s per partial: (max, sum, 0, 0), then HD4 of weighted V
const WORKGROUP: u32 = ${workgroup}u;
const NEG: f32 = ${NEG.toExponential()};

${paramsStruct(params)}@group(0) @binding(1) var<storage, read> partials: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(${workgroup})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let h = wid.x;
  let b = wid.y;
  let n = min(SPLITS, (params.keys + CHUNK - 1u) / CHUNK);
  let base = (b * HEADS + h) * SPLITS * STRIDE;
  var big_m = NEG;
  for (var i = 0u; i < n; i++) { big_m = max(big_m, partials[base + i * STRIDE].x); }
  var big_l = 0.0;
  for (var i = 0u; i < n; i++) {
    let ml = partials[base + i * STRIDE];
    big_l += ml.y * exp(ml.x - big_m);
  }
  for (var c = tid; c < HD4; c += WORKGROUP) {
    var sum = vec4<f32>();
    for (var i = 0u; i < n; i++) {
      sum += partials[base + i * STRIDE + 1u + c] * exp(partials[base + i * STRIDE].x - big_m);
    }
    out[(b * HEADS + h) * HD4 + c] = select(vec4<f32>(), sum / big_l, big_l > 0.0);
  }
}
`;
  return {
    name: `decode_combine_h${o.heads}_hd${o.headDim}_len${o.maxLen}_chunk${chunk}${o.cross ? "_cross" : ""}`,
    wgsl,
    entryPoint: "main",
    bindings: [
      { name: "params", access: "uniform" },
      { name: "partials", access: "read" },
      { name: "out", access: "read_write" },
    ],
    workgroupSize: [workgroup, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [o.heads, { expr: "batch", divisor: 1 }, 1],
    params,
  };
}
