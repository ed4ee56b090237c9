import { alibiSlope } from "../../src/contracts/alibi.ts";
import { relativePositionBucket } from "../../src/contracts/position-buckets.ts";
import { describe, expect, it } from "vitest";
import {
  applyRope,
  attention as referenceAttentionLayer,
  type KvCache,
} from "../../src/runtime/reference/attention.ts";
import { softmaxInPlace } from "../../src/runtime/reference/math.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { acquireNodeDevice, NoAdapterError } from "../../src/runtime/webgpu/device.ts";
import type { Kernel } from "../../src/contracts/kernel.ts";
import { unrolledAttentionKernel } from "../../src/compiler/codegen/attention-unrolled.ts";
import {
  attentionKernel,
  type AttentionOptions,
  type AttentionTile,
  decodeAttentionKernel,
  decodeCombineKernel,
  decodePartialSize,
  decodeSplit,
  defaultAttentionTile,
  type PositionBias,
} from "../../src/compiler/codegen/attention.ts";
import { bucketWgsl } from "../../src/compiler/codegen/attention-wgsl.ts";
import { kvAppendKernel } from "../../src/compiler/codegen/kv-append.ts";
import { runKernel } from "../../src/runtime/webgpu/run-kernel.ts";

const gpu = await acquireNodeDevice().catch((error: unknown) => {
  if (error instanceof NoAdapterError) return undefined;
  throw error;
});

/** The tolerance of every comparison: max |a − b| / max(1, |b|) in f32. */
const TOLERANCE = 1e-4;
const THETA = 10000;
const MAX_LEN = 64;

/** Deterministic uniform values in [−1, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function randomArray(n: number, next: () => number): Float32Array {
  return Float32Array.from({ length: n }, next);
}

function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
  }
  return worst;
}

/** The worst error seen by the suite, printed at the end (for the record, not asserted). */
const worst = { value: 0 };
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  const error = maxRelativeError(got, want);
  worst.value = Math.max(worst.value, error);
  expect(error).toBeLessThanOrEqual(TOLERANCE);
}

interface Case {
  batch: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** New queries per batch row. */
  seq: number;
  /** Positions already in the cache (self-attention). */
  past: number;
  causal: boolean;
  rope: boolean;
  padding: boolean;
  bias?: PositionBias;
  /** ALiBi: −slope_h · |query − key| added to the scores. */
  alibi?: boolean;
  /** Cross-attention over a memory of this many positions. */
  srcLen?: number;
  tile?: AttentionTile;
}

interface Inputs {
  /** [B·S, H·hd], before RoPE. */
  q: Float32Array;
  /** [B, T, KV·hd] keys before RoPE and values, T = keys attended. */
  k: Float32Array;
  v: Float32Array;
  /** [B, T] 1 = real key. */
  mask: Uint32Array;
  /** [buckets, H]. */
  biasTable: Float32Array;
}

const keyCount = (c: Case) => c.srcLen ?? c.past + c.seq;

function options(c: Case): AttentionOptions {
  return {
    heads: c.heads,
    kvHeads: c.kvHeads,
    headDim: c.headDim,
    maxLen: MAX_LEN,
    causal: c.causal,
    scale: 1 / Math.sqrt(c.headDim),
    ropeTheta: c.rope ? THETA : null,
    padding: c.padding,
    ...(c.bias ? { positionBias: c.bias } : {}),
    ...(c.alibi ? { alibi: true } : {}),
    ...(c.srcLen !== undefined ? { cross: true } : {}),
  };
}

function makeInputs(c: Case, seed: number): Inputs {
  const next = random(seed);
  const t = keyCount(c);
  const kvWidth = c.kvHeads * c.headDim;
  const mask = new Uint32Array(c.batch * t).fill(1);
  if (c.padding) {
    // Row 0 pads its first two keys (left padding), row 1 its last key and one in the middle.
    for (let b = 0; b < c.batch; b++) {
      if (b % 2 === 0) for (let j = 0; j < Math.min(2, t - 1); j++) mask[b * t + j] = 0;
      else {
        mask[b * t + t - 1] = 0;
        if (t > 2) mask[b * t + (t >> 1)] = 0;
      }
    }
  }
  return {
    q: randomArray(c.batch * c.seq * c.heads * c.headDim, next),
    k: randomArray(c.batch * t * kvWidth, next),
    v: randomArray(c.batch * t * kvWidth, next),
    mask,
    biasTable: randomArray((c.bias?.buckets ?? 1) * c.heads, next),
  };
}

/**
 * The reference's scores-softmax-sum, in float64, from its own helpers (applyRope,
 * relativePositionBucket, softmaxInPlace): the loop of src/runtime/reference/attention.ts
 * without the projections. Returns [B·S, H·hd].
 */
function reference(c: Case, x: Inputs): Float64Array {
  const { batch, seq, heads, kvHeads, headDim } = c;
  const t = keyCount(c);
  const queryOffset = c.srcLen === undefined ? c.past : 0;
  const q = Float64Array.from(x.q);
  const k = Float64Array.from(x.k);
  if (c.rope) {
    applyRope(q, batch, seq, heads, headDim, THETA, queryOffset);
    applyRope(k, batch, t, kvHeads, headDim, THETA, 0);
  }
  const group = heads / kvHeads;
  const kvWidth = kvHeads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  const out = new Float64Array(batch * seq * heads * headDim);
  const scores = new Float64Array(t);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const position = queryOffset + s;
      for (let h = 0; h < heads; h++) {
        const kvHead = Math.floor(h / group);
        const qBase = ((b * seq + s) * heads + h) * headDim;
        for (let j = 0; j < t; j++) {
          if ((c.causal && j > position) || (c.padding && x.mask[b * t + j] === 0)) {
            scores[j] = -Infinity;
            continue;
          }
          const kBase = (b * t + j) * kvWidth + kvHead * headDim;
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q[qBase + i]! * k[kBase + i]!;
          const bias = c.bias
            ? x.biasTable[
                relativePositionBucket(
                  j - position,
                  c.bias.bidirectional,
                  c.bias.buckets,
                  c.bias.maxDistance,
                ) *
                  heads +
                  h
              ]!
            : c.alibi
              ? -alibiSlope(h, heads) * Math.abs(position - j)
              : 0;
          scores[j] = dot * scale + bias;
        }
        softmaxInPlace(scores, 0, t);
        for (let j = 0; j < t; j++) {
          const vBase = (b * t + j) * kvWidth + kvHead * headDim;
          for (let i = 0; i < headDim; i++) out[qBase + i]! += scores[j]! * x.v[vBase + i]!;
        }
      }
    }
  }
  return out;
}

/**
 * The cache as the kernels see it: [B, MAX_LEN, KV·hd], keys rotated at their positions (in
 * float64, then rounded), positions past the keys filled with NaN so that reading them shows.
 */
function caches(c: Case, x: Inputs): { k: Float32Array; v: Float32Array } {
  const t = keyCount(c);
  const kvWidth = c.kvHeads * c.headDim;
  const rotated = Float64Array.from(x.k);
  if (c.rope) applyRope(rotated, c.batch, t, c.kvHeads, c.headDim, THETA, 0);
  const k = new Float32Array(c.batch * MAX_LEN * kvWidth).fill(NaN);
  const v = new Float32Array(c.batch * MAX_LEN * kvWidth).fill(NaN);
  for (let b = 0; b < c.batch; b++) {
    k.set(rotated.subarray(b * t * kvWidth, (b + 1) * t * kvWidth), b * MAX_LEN * kvWidth);
    v.set(x.v.subarray(b * t * kvWidth, (b + 1) * t * kvWidth), b * MAX_LEN * kvWidth);
  }
  return { k, v };
}

function sizes(c: Case): Record<string, number> {
  return c.srcLen === undefined
    ? { batch: c.batch, seq: c.seq, past: c.past }
    : { batch: c.batch, seq: c.seq, src_len: c.srcLen };
}

function bindings(c: Case, x: Inputs): Record<string, Float32Array | Uint32Array> {
  const { k, v } = caches(c, x);
  return {
    q: x.q,
    k_cache: k,
    v_cache: v,
    mask: x.mask,
    bias_table: x.biasTable,
    out: new Float32Array(c.batch * c.seq * c.heads * c.headDim),
  };
}

async function runPrefill(c: Case, x: Inputs, unrolled = false): Promise<Float32Array> {
  const kernel = unrolled
    ? unrolledAttentionKernel(options(c))
    : attentionKernel({ ...options(c), ...(c.tile ? { tile: c.tile } : {}) });
  return (await runKernel(gpu!.device, kernel, bindings(c, x), sizes(c)))["out"]!;
}

/** The decode kernel, then the combine kernel when the plan splits. */
async function runDecode(c: Case, x: Inputs, chunk: number | undefined): Promise<Float32Array> {
  const o = { ...options(c), ...(chunk !== undefined ? { chunk } : {}) };
  const kernel = decodeAttentionKernel(o);
  const data = bindings(c, x);
  if (!decodeSplit(o).split) return (await runKernel(gpu!.device, kernel, data, sizes(c)))["out"]!;
  const partials = new Float32Array(c.batch * c.heads * decodePartialSize(o)).fill(NaN);
  const written = await runKernel(gpu!.device, kernel, { ...data, partials }, sizes(c));
  const combine = decodeCombineKernel(o);
  return (
    await runKernel(
      gpu!.device,
      combine,
      { partials: written["partials"]!, out: data["out"]! },
      sizes(c),
    )
  )["out"]!;
}

const label = (c: Case) =>
  [
    `b${c.batch}`,
    `h${c.heads}/${c.kvHeads}`,
    `hd${c.headDim}`,
    `seq${c.seq}`,
    c.srcLen === undefined ? `past${c.past}` : `cross src${c.srcLen}`,
    c.causal ? "causal" : "",
    c.rope ? "rope" : "",
    c.padding ? "padding" : "",
    c.bias ? `t5${c.bias.bidirectional ? "-bi" : "-uni"}` : "",
    c.alibi ? "alibi" : "",
    c.tile ? `tile ${JSON.stringify(c.tile)}` : "",
  ]
    .filter(Boolean)
    .join(" ");

const T5_UNI: PositionBias = { buckets: 32, maxDistance: 128, bidirectional: false };
const T5_BI: PositionBias = { buckets: 16, maxDistance: 20, bidirectional: true };
const base = { batch: 2, causal: true, rope: false, padding: false };

const prefillCases: Case[] = [
  {
    ...base,
    heads: 6,
    kvHeads: 3,
    headDim: 8,
    seq: 9,
    past: 4,
    alibi: true,
    tile: { queries: 6, rows: 2, lanes: 3, keysPerLane: 2 },
  },
  { ...base, heads: 4, kvHeads: 4, headDim: 8, seq: 5, past: 0 },
  { ...base, heads: 4, kvHeads: 2, headDim: 16, seq: 17, past: 3, rope: true, padding: true },
  {
    ...base,
    heads: 4,
    kvHeads: 1,
    headDim: 64,
    seq: 40,
    past: 20,
    rope: true,
    bias: T5_UNI,
    tile: defaultAttentionTile("cpu", 64),
  },
  {
    ...base,
    heads: 4,
    kvHeads: 4,
    headDim: 64,
    seq: 17,
    past: 0,
    causal: false,
    padding: true,
    bias: T5_BI,
  },
  { ...base, heads: 4, kvHeads: 2, headDim: 8, seq: 40, past: 20, causal: false, rope: true },
  {
    ...base,
    heads: 4,
    kvHeads: 1,
    headDim: 16,
    seq: 1,
    past: 20,
    rope: true,
    padding: true,
    bias: T5_UNI,
  },
  {
    ...base,
    heads: 4,
    kvHeads: 4,
    headDim: 16,
    seq: 40,
    past: 3,
    rope: true,
    padding: true,
    bias: T5_UNI,
    tile: { queries: 6, rows: 2, lanes: 3, keysPerLane: 5 },
  },
  {
    ...base,
    batch: 1,
    heads: 4,
    kvHeads: 2,
    headDim: 64,
    seq: 5,
    past: 20,
    causal: false,
    padding: true,
    tile: { queries: 8, lanes: 8, keysPerLane: 1 },
  },
  {
    ...base,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    seq: 5,
    past: 0,
    causal: false,
    padding: true,
    srcLen: 17,
    tile: { rows: 4, staged: false },
  },
  {
    ...base,
    batch: 3,
    heads: 4,
    kvHeads: 4,
    headDim: 8,
    seq: 40,
    past: 0,
    causal: false,
    srcLen: 3,
  },
];

const decodeCases: Case[] = [
  { ...base, heads: 6, kvHeads: 2, headDim: 8, seq: 1, past: 30, padding: true, alibi: true },
  { ...base, heads: 4, kvHeads: 4, headDim: 64, seq: 1, past: 20, rope: true },
  {
    ...base,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    seq: 1,
    past: 3,
    rope: true,
    padding: true,
    bias: T5_UNI,
  },
  { ...base, heads: 4, kvHeads: 1, headDim: 8, seq: 1, past: 40, padding: true, bias: T5_BI },
  {
    ...base,
    batch: 3,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    seq: 1,
    past: 0,
    causal: false,
    padding: true,
    srcLen: 17,
  },
];

describe.skipIf(!gpu)("flash attention (prefill) equals the reference", () => {
  prefillCases.forEach((c, n) => {
    it(label(c), async () => {
      const x = makeInputs(c, 100 + n);
      expectClose(await runPrefill(c, x), reference(c, x));
    });
  });

  it("gives 0 for a query whose keys are all masked, as the reference's softmax does", async () => {
    const c: Case = { ...base, heads: 4, kvHeads: 2, headDim: 16, seq: 5, past: 3, padding: true };
    const x = makeInputs(c, 7);
    x.mask.fill(0, 0, keyCount(c)); // batch row 0: no real key
    const want = reference(c, x);
    expect(want.subarray(0, c.seq * c.heads * c.headDim).every((v) => v === 0)).toBe(true);
    expectClose(await runPrefill(c, x), want);
  });
});

describe.skipIf(!gpu)("unrolled attention (CPU adapters) equals the reference", () => {
  [...prefillCases, ...decodeCases].forEach((c, n) => {
    it(label({ ...c, tile: undefined }), async () => {
      const x = makeInputs(c, 300 + n);
      expectClose(await runPrefill(c, x, true), reference(c, x));
    });
  });

  it("gives 0 for a query whose keys are all masked", async () => {
    const c: Case = { ...base, heads: 4, kvHeads: 2, headDim: 16, seq: 5, past: 3, padding: true };
    const x = makeInputs(c, 8);
    x.mask.fill(0, 0, keyCount(c));
    expectClose(await runPrefill(c, x, true), reference(c, x));
  });

  it("walks several workgroups of query slots with a GQA group", async () => {
    const c: Case = { ...base, heads: 6, kvHeads: 2, headDim: 8, seq: 50, past: 7, rope: true };
    const x = makeInputs(c, 9);
    expectClose(await runPrefill(c, x, true), reference(c, x));
  });
});

describe.skipIf(!gpu)("flash-decoding equals the reference", () => {
  decodeCases.forEach((c, n) => {
    for (const chunk of [undefined, 7]) {
      const what = chunk === undefined ? "unsplit" : `split, chunk ${chunk}`;
      it(`${label(c)}, ${what}`, async () => {
        const x = makeInputs(c, 200 + n);
        expect(decodeSplit({ ...options(c), ...(chunk ? { chunk } : {}) }).split).toBe(
          chunk !== undefined,
        );
        expectClose(await runDecode(c, x, chunk), reference(c, x));
      });
    }
  });
});

describe.skipIf(!gpu)("kv append", () => {
  it("writes rotated keys and values at past + s of each batch row", async () => {
    const batch = 2;
    const [kvHeads, headDim, seq, past] = [2, 16, 5, 7];
    const kvWidth = kvHeads * headDim;
    const next = random(3);
    const kNew = randomArray(batch * seq * kvWidth, next);
    const vNew = randomArray(batch * seq * kvWidth, next);
    const kCache = randomArray(batch * MAX_LEN * kvWidth, next);
    const vCache = randomArray(batch * MAX_LEN * kvWidth, next);
    const kernel = kvAppendKernel({ kvHeads, headDim, maxLen: MAX_LEN, ropeTheta: THETA });
    const got = await runKernel(
      gpu!.device,
      kernel,
      { k_new: kNew, v_new: vNew, k_cache: kCache, v_cache: vCache },
      { batch, seq, past },
    );
    const rotated = Float64Array.from(kNew);
    applyRope(rotated, batch, seq, kvHeads, headDim, THETA, past);
    const wantK = Float64Array.from(kCache);
    const wantV = Float64Array.from(vCache);
    for (let b = 0; b < batch; b++) {
      const at = (b * MAX_LEN + past) * kvWidth;
      wantK.set(rotated.subarray(b * seq * kvWidth, (b + 1) * seq * kvWidth), at);
      wantV.set(vNew.subarray(b * seq * kvWidth, (b + 1) * seq * kvWidth), at);
    }
    expectClose(got["k_cache"]!, wantK);
    expectClose(got["v_cache"]!, wantV);
  });
});

/** An identity matrix, or the rows [from, from + rows) of one, as a [rows, cols] weight. */
function selection(rows: number, cols: number, from: number): Tensor {
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) data[r * cols + from + r] = 1;
  return { shape: [rows, cols], data };
}

describe.skipIf(!gpu)("kv append + attention over several steps", () => {
  it("equals the reference attention layer with its incremental KvCache", async () => {
    const [batch, heads, kvHeads, headDim] = [2, 4, 2, 16];
    const width = heads * headDim;
    const kvWidth = kvHeads * headDim;
    const bias = T5_UNI;
    const o: AttentionOptions = {
      heads,
      kvHeads,
      headDim,
      maxLen: MAX_LEN,
      causal: true,
      scale: 1 / Math.sqrt(headDim),
      ropeTheta: THETA,
      padding: true,
      positionBias: bias,
    };
    const next = random(11);
    const biasTable = randomArray(bias.buckets * heads, next);
    // Identity projections: x is q itself, the source row is [k | v].
    const weights = {
      q: selection(width, width, 0),
      k: selection(kvWidth, 2 * kvWidth, 0),
      v: selection(kvWidth, 2 * kvWidth, kvWidth),
      o: selection(width, width, 0),
    };
    const cache: KvCache = { keys: [], values: [], length: 0 };
    let kCache: Float32Array = new Float32Array(batch * MAX_LEN * kvWidth);
    let vCache: Float32Array = new Float32Array(batch * MAX_LEN * kvWidth);
    const append = kvAppendKernel({ kvHeads, headDim, maxLen: MAX_LEN, ropeTheta: THETA });
    let past = 0;
    for (const seq of [6, 1, 1, 3, 1]) {
      const q = randomArray(batch * seq * width, next);
      const kv = randomArray(batch * seq * 2 * kvWidth, next);
      const kNew = new Float32Array(batch * seq * kvWidth);
      const vNew = new Float32Array(batch * seq * kvWidth);
      for (let r = 0; r < batch * seq; r++) {
        kNew.set(kv.subarray(r * 2 * kvWidth, r * 2 * kvWidth + kvWidth), r * kvWidth);
        vNew.set(kv.subarray(r * 2 * kvWidth + kvWidth, (r + 1) * 2 * kvWidth), r * kvWidth);
      }
      const keys = past + seq;
      // Batch row 1 has its first key padded.
      const mask = new Uint32Array(batch * keys).fill(1);
      mask[keys] = 0;

      const want = referenceAttentionLayer(
        { shape: [batch, seq, width], data: Float64Array.from(q) },
        { shape: [batch, seq, 2 * kvWidth], data: Float64Array.from(kv) },
        weights,
        { ...o, causal: true },
        cache,
        past,
        { shape: [batch, keys], data: Float64Array.from(mask) },
        (h, queryPosition, keyPosition) =>
          biasTable[
            relativePositionBucket(
              keyPosition - queryPosition,
              bias.bidirectional,
              bias.buckets,
              bias.maxDistance,
            ) *
              heads +
              h
          ]!,
      );

      const sizes = { batch, seq, past };
      const appended = await runKernel(
        gpu!.device,
        append,
        { k_new: kNew, v_new: vNew, k_cache: kCache, v_cache: vCache },
        sizes,
      );
      kCache = appended["k_cache"]!;
      vCache = appended["v_cache"]!;
      const data = {
        q,
        k_cache: kCache,
        v_cache: vCache,
        mask,
        bias_table: biasTable,
        out: new Float32Array(batch * seq * width),
      };
      let got: Float32Array;
      if (seq === 1) {
        const decode = { ...o, chunk: 3 };
        const partials = new Float32Array(batch * heads * decodePartialSize(decode));
        const written = await runKernel(
          gpu!.device,
          decodeAttentionKernel(decode),
          { ...data, partials },
          sizes,
        );
        got = (
          await runKernel(
            gpu!.device,
            decodeCombineKernel(decode),
            { partials: written["partials"]!, out: data.out },
            sizes,
          )
        )["out"]!;
      } else {
        got = (await runKernel(gpu!.device, attentionKernel(o), data, sizes))["out"]!;
      }
      expectClose(got, want.data);
      past += seq;
    }
    expect(cache.length).toBe(past);
  });
});

describe.skipIf(!gpu)("T5 bucket in WGSL", () => {
  const configs: { bias: PositionBias; maxLen: number }[] = [
    { bias: { buckets: 32, maxDistance: 128, bidirectional: true }, maxLen: 2048 },
    { bias: { buckets: 32, maxDistance: 128, bidirectional: false }, maxLen: 2048 },
    { bias: { buckets: 16, maxDistance: 20, bidirectional: true }, maxLen: 64 },
    { bias: { buckets: 8, maxDistance: 9, bidirectional: false }, maxLen: 300 },
    { bias: { buckets: 64, maxDistance: 1000, bidirectional: true }, maxLen: 4096 },
  ];
  for (const { bias, maxLen } of configs) {
    it(`equals relativePositionBucket for every distance up to ±${maxLen}: ${JSON.stringify(bias)}`, async () => {
      const count = 2 * maxLen + 1;
      const kernel: Kernel = {
        name: `t5_bucket_test_${JSON.stringify(bias)}_${maxLen}`,
        wgsl: `${bucketWgsl(bias, maxLen)}
@group(0) @binding(0) var<storage, read_write> buckets: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < ${count}u) { buckets[id.x] = t5_bucket(i32(id.x) - ${maxLen}); }
}
`,
        entryPoint: "main",
        bindings: [{ name: "buckets", access: "read_write" }],
        workgroupSize: [64, 1, 1],
        workgroupStorageBytes: 0,
        dispatch: [Math.ceil(count / 64), 1, 1],
        params: [],
      };
      const out = await runKernel(gpu!.device, kernel, { buckets: new Uint32Array(count) }, {});
      const got = Array.from(new Uint32Array(out["buckets"]!.buffer));
      const want = Array.from({ length: count }, (_, i) =>
        relativePositionBucket(i - maxLen, bias.bidirectional, bias.buckets, bias.maxDistance),
      );
      expect(got).toEqual(want);
    });
  }
});

describe("attention kernels (no device needed)", () => {
  const o: AttentionOptions = {
    heads: 8,
    kvHeads: 2,
    headDim: 64,
    maxLen: 64,
    causal: true,
    scale: 0.125,
    ropeTheta: THETA,
    padding: true,
  };

  it("use workgroup memory independent of the sequence bound (no N×N buffer)", () => {
    for (const make of [attentionKernel, decodeAttentionKernel]) {
      const small = make(o);
      const large = make({ ...o, maxLen: 8192 });
      expect(large.workgroupStorageBytes).toBe(small.workgroupStorageBytes);
      expect(large.workgroupStorageBytes).toBeLessThanOrEqual(16384);
    }
    expect(unrolledAttentionKernel({ ...o, maxLen: 8192 }).workgroupStorageBytes).toBe(0);
  });

  it("declare the documented bindings and params", () => {
    const withBias = { ...o, positionBias: T5_UNI };
    expect(attentionKernel(withBias).bindings.map((b) => b.name)).toEqual([
      "params",
      "q",
      "k_cache",
      "v_cache",
      "mask",
      "bias_table",
      "out",
    ]);
    expect(attentionKernel({ ...o, padding: false }).params).toEqual([
      { name: "seq", value: "seq" },
      { name: "past", value: "past" },
      { name: "keys", value: "past + seq" },
    ]);
    const cross = { ...o, causal: false, ropeTheta: null, cross: true };
    expect(attentionKernel(cross).params.map((p) => p.value)).toEqual(["seq", 0, "src_len"]);
    expect(unrolledAttentionKernel(withBias).bindings).toEqual(attentionKernel(withBias).bindings);
    expect(unrolledAttentionKernel(cross).params).toEqual(attentionKernel(cross).params);
    expect(decodeAttentionKernel({ ...o, chunk: 16 }).bindings.at(-1)!.name).toBe("partials");
    expect(decodeAttentionKernel(o).bindings.at(-1)!.name).toBe("out");
    expect(decodeCombineKernel({ ...o, chunk: 16 }).bindings.map((b) => b.name)).toEqual([
      "params",
      "partials",
      "out",
    ]);
  });

  it("refuse what they cannot run, saying why", () => {
    expect(() => attentionKernel({ ...o, headDim: 6, ropeTheta: null })).toThrow(/multiple of 4/);
    expect(() => attentionKernel({ ...o, headDim: 12 })).toThrow(/multiple of 8/);
    expect(() => attentionKernel({ ...o, kvHeads: 3 })).toThrow(/multiple of kvHeads/);
    expect(() => attentionKernel({ ...o, tile: { keysPerLane: 64 } })).toThrow(/workgroup memory/);
    expect(() => decodeCombineKernel(o)).toThrow(/unsplit/);
    expect(() => unrolledAttentionKernel({ ...o, kvHeads: 3 })).toThrow(/multiple of kvHeads/);
    expect(() => unrolledAttentionKernel(o, { rows: 9, threads: 16 })).toThrow(/tile.rows/);
    const t5 = { buckets: 8, maxDistance: 16, bidirectional: true };
    expect(() => attentionKernel({ ...o, alibi: true, positionBias: t5 })).toThrow(
      /ALiBi and a T5/,
    );
    expect(() =>
      attentionKernel({ ...o, causal: false, ropeTheta: null, alibi: true, cross: true }),
    ).toThrow(/no ALiBi/);
  });

  it.runIf(gpu)("stay within the tolerance (worst error so far is reported)", () => {
    console.log(`attention kernels: worst max relative error ${worst.value.toExponential(2)}`);
    expect(worst.value).toBeLessThanOrEqual(TOLERANCE);
  });
});
