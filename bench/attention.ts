/**
 * Attention benchmark: the peers' workload, softmax(Q·Kᵀ/8)·V with Q, K, V = [4 heads, 128, 64]
 * f32, non-causal, through Loom's fused attention kernel and through a naive unfused baseline
 * written here (scores kernel → N×N buffer → softmax kernel → A·V kernel); then seq 8192 with the
 * fused kernel only, where the baseline's score buffer would not fit; then one decode step over
 * 8192 cached keys, split (flash-decoding), unsplit, and with the unrolled kernel. The fused kernel
 * is the one the compiler picks for the adapter: the unrolled kernel on CPU adapters.
 * Run: `npx tsx bench/attention.ts [iters] [--no-long]` (on SwiftShader the one seq-8192 call takes
 * about 40 s; --no-long skips it and the decode steps).
 *
 * Method as in shared/bench/peers (common.mjs): the same inputs (mulberry32 seeds 3, 4, 5 for Q,
 * K, V, values in [-1, 1)), inputs resident on the device (here already in Loom's layouts: q
 * [seq, heads·64], K/V in the cache [1, max_len, heads·64]), each timed call = encode + dispatch(es)
 * + copy to a staging buffer + map + read back, 3 warm-ups, then the median of `iters` calls (20 by
 * default); every result is checked against a float64-accumulated reference. A benchmark, not a
 * test: it prints, it asserts nothing.
 */
import { acquireNodeDevice } from "../src/runtime/webgpu/device.ts";
import { type Kernel, paramBytes, workgroupCounts } from "../src/contracts/kernel.ts";
import {
  attentionKernel,
  type AttentionOptions,
  decodeAttentionKernel,
  decodeCombineKernel,
  decodePartialSize,
  decodeSplit,
  defaultAttentionTile,
} from "../src/compiler/codegen/attention.ts";
import {
  UNROLLED_ATTENTION_TILE,
  unrolledAttentionKernel,
} from "../src/compiler/codegen/attention-unrolled.ts";
import { pipelineFor } from "../src/runtime/webgpu/run-kernel.ts";

const H = 4; // heads
const HD = 64; // head_dim
const S = 128; // the peers' sequence
const LONG = 8192; // the long sequence
const WARM = 3;
const ITERS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
const RUN_LONG = !process.argv.includes("--no-long");
const flop = (seq: number, keys: number) => 2 * 2 * H * seq * keys * HD;

/** The peers' generator (common.mjs): uniform in [-1, 1). */
function randArr(n: number, seed: number): Float32Array {
  let a = seed;
  const next = () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** [H, S, HD] (the peers' layout) → [S, H·HD] (Loom's rows × heads·head_dim). */
function headsToRows(x: Float32Array, seq: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let h = 0; h < H; h++)
    for (let s = 0; s < seq; s++)
      out.set(x.subarray((h * seq + s) * HD, (h * seq + s + 1) * HD), (s * H + h) * HD);
  return out;
}

/** softmax(q·kᵀ/√HD)·v in float64 for the given query rows; q, k, v in [S, H·HD]. Returns [rows, H·HD]. */
function reference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  keys: number,
  rows: number[],
): Float64Array {
  const out = new Float64Array(rows.length * H * HD);
  const scores = new Float64Array(keys);
  rows.forEach((s, r) => {
    for (let h = 0; h < H; h++) {
      let max = -Infinity;
      for (let t = 0; t < keys; t++) {
        let dot = 0;
        for (let e = 0; e < HD; e++) dot += q[(s * H + h) * HD + e]! * k[(t * H + h) * HD + e]!;
        scores[t] = dot / Math.sqrt(HD);
        max = Math.max(max, scores[t]!);
      }
      let sum = 0;
      for (let t = 0; t < keys; t++) sum += scores[t] = Math.exp(scores[t]! - max);
      for (let t = 0; t < keys; t++) {
        const p = scores[t]! / sum;
        for (let e = 0; e < HD; e++) out[(r * H + h) * HD + e]! += p * v[(t * H + h) * HD + e]!;
      }
    }
  });
  return out;
}

/** The naive unfused baseline: three kernels through an N×N score buffer per head. */
function naiveKernels(seq: number): Kernel[] {
  const prelude = `const H: u32 = ${H}u; // heads
const HD: u32 = ${HD}u; // head_dim
const N: u32 = ${seq}u; // queries = keys
const SCALE: f32 = ${1 / Math.sqrt(HD)}; // 1 / sqrt(HD)`;
  const kernel = (
    name: string,
    body: string,
    bindings: Kernel["bindings"],
    groups: number,
  ): Kernel => ({
    name,
    wgsl: `${prelude}\n${body}`,
    entryPoint: "main",
    bindings,
    workgroupSize: [64, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [groups, 1, 1],
    params: [],
  });
  const scores = kernel(
    "naive_scores",
    `@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>; // [H, N, N]
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.x; // (h * N + i) * N + j
  if (index >= H * N * N) { return; }
  let j = index % N;
  let i = (index / N) % N;
  let h = index / (N * N);
  var dot = 0.0;
  for (var e = 0u; e < HD; e++) { dot += q[(i * H + h) * HD + e] * k[(j * H + h) * HD + e]; }
  scores[index] = dot * SCALE;
}`,
    [
      { name: "q", access: "read" },
      { name: "k", access: "read" },
      { name: "scores", access: "read_write" },
    ],
    Math.ceil((H * seq * seq) / 64),
  );
  const softmax = kernel(
    "naive_softmax",
    `@group(0) @binding(0) var<storage, read_write> scores: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x; // h * N + i
  if (row >= H * N) { return; }
  var max_score = -3.0e38;
  for (var j = 0u; j < N; j++) { max_score = max(max_score, scores[row * N + j]); }
  var sum = 0.0;
  for (var j = 0u; j < N; j++) {
    let e = exp(scores[row * N + j] - max_score);
    scores[row * N + j] = e;
    sum += e;
  }
  for (var j = 0u; j < N; j++) { scores[row * N + j] /= sum; }
}`,
    [{ name: "scores", access: "read_write" }],
    Math.ceil((H * seq) / 64),
  );
  const av = kernel(
    "naive_av",
    `@group(0) @binding(0) var<storage, read> scores: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [N, H·HD]
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.x; // (i * H + h) * HD + e
  if (index >= N * H * HD) { return; }
  let e = index % HD;
  let h = (index / HD) % H;
  let i = index / (H * HD);
  var sum = 0.0;
  for (var j = 0u; j < N; j++) { sum += scores[(h * N + i) * N + j] * v[(j * H + h) * HD + e]; }
  out[index] = sum;
}`,
    [
      { name: "scores", access: "read" },
      { name: "v", access: "read" },
      { name: "out", access: "read_write" },
    ],
    Math.ceil((seq * H * HD) / 64),
  );
  return [scores, softmax, av];
}

/** One dispatch of a pipeline: its kernel, bound to named device buffers. */
interface Step {
  kernel: Kernel;
  buffers: Record<string, GPUBuffer>;
}

/**
 * A function that runs the steps in one command encoder and reads `output` back; buffers named
 * in `steps` are the device-resident inputs and intermediates.
 */
async function prepare(
  device: GPUDevice,
  steps: Step[],
  sizes: Record<string, number>,
  output: GPUBuffer,
): Promise<() => Promise<Float32Array>> {
  const prepared = await Promise.all(
    steps.map(async ({ kernel, buffers }) => {
      const pipeline = await pipelineFor(device, kernel);
      const entries = kernel.bindings.map((binding, i) => {
        if (binding.access !== "uniform")
          return { binding: i, resource: { buffer: buffers[binding.name]! } };
        const bytes = paramBytes(kernel, sizes);
        const buffer = device.createBuffer({
          size: bytes.byteLength,
          usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        });
        device.queue.writeBuffer(buffer, 0, bytes);
        return { binding: i, resource: { buffer } };
      });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      return { pipeline, bindGroup, counts: workgroupCounts(kernel, sizes) };
    }),
  );
  return async () => {
    const staging = device.createBuffer({
      size: output.size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = device.createCommandEncoder();
    for (const { pipeline, bindGroup, counts } of prepared) {
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...counts);
      pass.end();
    }
    encoder.copyBufferToBuffer(output, 0, staging, 0, output.size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return y;
  };
}

/** Warm-ups, then the median (and min) of `iters` calls; the last result. */
async function time(run: () => Promise<Float32Array>, warm: number, iters: number) {
  const times: number[] = [];
  let last: Float32Array = new Float32Array();
  for (let i = 0; i < warm + iters; i++) {
    const t0 = performance.now();
    last = await run();
    if (i >= warm) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1]!, min: times[0]!, last };
}

/** max |a − b| over the compared rows (all rows, or the listed ones of got). */
function maxAbsError(got: Float32Array, want: Float64Array, rows?: number[]): number {
  const width = H * HD;
  let max = 0;
  const list = rows ?? Array.from({ length: want.length / width }, (_, r) => r);
  list.forEach((s, r) => {
    for (let e = 0; e < width; e++)
      max = Math.max(max, Math.abs(got[s * width + e]! - want[r * width + e]!));
  });
  return max;
}

const { device, adapter, description, kind } = await acquireNodeDevice();
const { maxStorageBufferBindingSize, maxBufferSize } = device.limits;
console.log(`adapter: ${description} (${kind})`);
console.log(
  `limits: maxStorageBufferBindingSize ${maxStorageBufferBindingSize}, maxBufferSize ${maxBufferSize} (adapter offers ${adapter.limits.maxBufferSize})`,
);

function storage(data: Float32Array | number): GPUBuffer {
  const size = typeof data === "number" ? data : data.byteLength;
  const buffer = device.createBuffer({
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  if (typeof data !== "number") device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** The prefill tile for this adapter kind (defaultAttentionTile). */
const tile = defaultAttentionTile(kind, HD);
console.log(
  kind === "cpu"
    ? `fused prefill kernel: unrolledAttentionKernel, tile ${JSON.stringify(UNROLLED_ATTENTION_TILE)} (what the compiler picks for CPU adapters)`
    : `fused prefill tile (defaultAttentionTile("${kind}", ${HD})): ${JSON.stringify(tile)}`,
);

const options = (seq: number): AttentionOptions => ({
  heads: H,
  kvHeads: H,
  headDim: HD,
  maxLen: seq,
  causal: false,
  scale: 1 / Math.sqrt(HD),
  ropeTheta: null,
  padding: false,
});

/** The fused kernel the compiler picks for this adapter kind (src/compiler/lower/attention.ts). */
const fusedKernel = (seq: number) =>
  kind === "cpu"
    ? unrolledAttentionKernel(options(seq))
    : attentionKernel({ ...options(seq), tile });

/** Q, K, V for a sequence, in Loom's layouts, and their device buffers. */
function inputs(seq: number) {
  const [q, k, v] = [3, 4, 5].map((seed) => headsToRows(randArr(H * seq * HD, seed), seq)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  return { q, k, v, qBuffer: storage(q), kBuffer: storage(k), vBuffer: storage(v) };
}

// 1. The peers' workload: fused versus naive unfused.
{
  const x = inputs(S);
  const want = reference(
    x.q,
    x.k,
    x.v,
    S,
    Array.from({ length: S }, (_, i) => i),
  );
  const sizes = { batch: 1, seq: S, past: 0 };
  const fusedOut = storage(S * H * HD * 4);
  const fused = await prepare(
    device,
    [
      {
        kernel: fusedKernel(S),
        buffers: { q: x.qBuffer, k_cache: x.kBuffer, v_cache: x.vBuffer, out: fusedOut },
      },
    ],
    sizes,
    fusedOut,
  );
  const naiveOut = storage(S * H * HD * 4);
  const scores = storage(H * S * S * 4);
  const [scoreKernel, softmaxKernel, avKernel] = naiveKernels(S);
  const naive = await prepare(
    device,
    [
      { kernel: scoreKernel!, buffers: { q: x.qBuffer, k: x.kBuffer, scores } },
      { kernel: softmaxKernel!, buffers: { scores } },
      { kernel: avKernel!, buffers: { scores, v: x.vBuffer, out: naiveOut } },
    ],
    {},
    naiveOut,
  );
  const f = await time(fused, WARM, ITERS);
  const n = await time(naive, WARM, ITERS);
  const gflops = (ms: number) => (flop(S, S) / (ms * 1e6)).toFixed(3);
  console.log(
    `\nattention softmax(QKᵀ/8)V, Q, K, V = [${H}, ${S}, ${HD}], non-causal (${(flop(S, S) / 1e6).toFixed(1)} MFLOP); median of ${ITERS} after ${WARM} warm-ups, dispatch + read-back`,
  );
  console.log(
    `  fused kernel              median ${f.median.toFixed(2)} ms  min ${f.min.toFixed(2)} ms  ${gflops(f.median)} GFLOP/s  max abs err ${maxAbsError(f.last, want).toExponential(2)}`,
  );
  console.log(
    `  naive unfused (3 kernels) median ${n.median.toFixed(2)} ms  min ${n.min.toFixed(2)} ms  ${gflops(n.median)} GFLOP/s  max abs err ${maxAbsError(n.last, want).toExponential(2)}  (score buffer ${H * S * S * 4} bytes)`,
  );
  console.log(`  fused / unfused: ${(n.median / f.median).toFixed(2)}x faster`);
  for (const b of [fusedOut, naiveOut, scores, x.qBuffer, x.kBuffer, x.vBuffer]) b.destroy();
}

// 2. seq 8192 with the fused kernel; the naive score buffer would be H·N²·4 bytes.
{
  const scoreBytes = H * LONG * LONG * 4;
  const perHead = LONG * LONG * 4;
  console.log(
    `\nseq ${LONG}: the naive N×N score buffer needs ${H}·${LONG}²·4 = ${scoreBytes} bytes (${perHead} bytes per head)`,
  );
  // This device's limits, then WebGPU's defaults (what a device that asks for nothing gets).
  for (const [name, limit] of [
    ["maxStorageBufferBindingSize", maxStorageBufferBindingSize],
    ["maxBufferSize", maxBufferSize],
    ["WebGPU's default maxStorageBufferBindingSize", 134217728],
    ["WebGPU's default maxBufferSize", 268435456],
  ] as const) {
    const verdict =
      scoreBytes > limit
        ? `exceeds ${name} ${limit}${perHead > limit ? " (even one head's does)" : ""}`
        : `fits ${name} ${limit}${scoreBytes === limit ? " exactly" : ""}`;
    console.log(`  the ${H}-head score buffer ${verdict}`);
  }
  console.log(
    `  the fused kernel's memory: its output [${LONG}, ${H * HD}] (${LONG * H * HD * 4} bytes) and ${fusedKernel(LONG).workgroupStorageBytes} bytes of workgroup memory per workgroup`,
  );
  if (RUN_LONG) {
    const x = inputs(LONG);
    const out = storage(LONG * H * HD * 4);
    const fused = await prepare(
      device,
      [
        {
          kernel: fusedKernel(LONG),
          buffers: { q: x.qBuffer, k_cache: x.kBuffer, v_cache: x.vBuffer, out },
        },
      ],
      { batch: 1, seq: LONG, past: 0 },
      out,
    );
    const iters = kind === "cpu" ? 1 : ITERS;
    const warm = kind === "cpu" ? 0 : WARM;
    const f = await time(fused, warm, iters);
    const rows = [0, 1, 4095, LONG - 1];
    const err = maxAbsError(f.last, reference(x.q, x.k, x.v, LONG, rows), rows);
    console.log(
      `  fused kernel, non-causal: median ${f.median.toFixed(1)} ms (${iters} call${iters > 1 ? "s" : ""} after ${warm} warm-ups)  ${(flop(LONG, LONG) / (f.median * 1e6)).toFixed(3)} GFLOP/s  max abs err on rows ${rows.join(", ")}: ${err.toExponential(2)}`,
    );

    // 3. One decode step (the last query) against the 8192 keys: split versus unsplit.
    const qLast = storage(x.q.subarray((LONG - 1) * H * HD));
    const want = reference(x.q, x.k, x.v, LONG, [LONG - 1]);
    const sizes = { batch: 1, seq: 1, past: LONG - 1 };
    const decodeOptions = { ...options(LONG), causal: true };
    for (const chunk of [undefined, LONG]) {
      const o = { ...decodeOptions, ...(chunk ? { chunk } : {}) };
      const plan = decodeSplit(o);
      const dout = storage(H * HD * 4);
      const steps: Step[] = plan.split
        ? [
            {
              kernel: decodeAttentionKernel(o),
              buffers: {
                q: qLast,
                k_cache: x.kBuffer,
                v_cache: x.vBuffer,
                partials: storage(H * decodePartialSize(o) * 4),
              },
            },
            { kernel: decodeCombineKernel(o), buffers: {} },
          ]
        : [
            {
              kernel: decodeAttentionKernel(o),
              buffers: { q: qLast, k_cache: x.kBuffer, v_cache: x.vBuffer, out: dout },
            },
          ];
      if (plan.split) steps[1]!.buffers = { partials: steps[0]!.buffers["partials"]!, out: dout };
      const d = await time(await prepare(device, steps, sizes, dout), WARM, ITERS);
      const what = plan.split
        ? `split into ${Math.ceil(LONG / plan.chunk)} × ${plan.chunk} keys + combine`
        : "unsplit (one workgroup per kv head)";
      console.log(
        `  decode, 1 query × ${LONG} keys, ${what}: median ${d.median.toFixed(2)} ms  max abs err ${maxAbsError(d.last, want).toExponential(2)}`,
      );
    }
    // What CPU adapters run for a decode step: the unrolled kernel, one invocation per query.
    const uout = storage(H * HD * 4);
    const unrolled = await prepare(
      device,
      [
        {
          kernel: unrolledAttentionKernel(decodeOptions),
          buffers: { q: qLast, k_cache: x.kBuffer, v_cache: x.vBuffer, out: uout },
        },
      ],
      sizes,
      uout,
    );
    const u = await time(unrolled, WARM, ITERS);
    console.log(
      `  decode, 1 query × ${LONG} keys, unrolled kernel (CPU adapters' choice): median ${u.median.toFixed(2)} ms  max abs err ${maxAbsError(u.last, want).toExponential(2)}`,
    );
  } else {
    console.log("  (--no-long: not run)");
  }
}
process.exit(0);
