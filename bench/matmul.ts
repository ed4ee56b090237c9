/**
 * Matmul benchmark: 512×512×512 f32 on the acquired adapter, a naive one-output-per-thread kernel
 * (the baseline) against matmulKernel at several tiles, with the tiled/naive ratio.
 * Run: `npx tsx bench/matmul.ts [--iters 15] [--size 512] [--batch 1] [--tiles '<json MatmulTile[]>']`.
 *
 * Method as in shared/bench/peers (common.mjs), so the figures compare with the peer runtimes':
 * the same inputs (mulberry32, seed 1 for A and seed 2 for B, values in [-1, 1)), y = A·B (here
 * x = A and W = Bᵀ, in PyTorch [out, in] layout), inputs resident on the device, each timed call
 * = encode + dispatch + copy to a staging buffer + map + read back, 3 warm-ups, then the median of
 * `iters` calls; results are checked against a float64-accumulated reference (every row at 512,
 * a sample of rows at larger sizes). `--batch B` puts B dispatches before the one read-back and
 * divides the time by B: on a GPU, a 512³ call is mostly submit and read-back latency, and the
 * batched figure shows the kernels themselves. A benchmark, not a test: it prints, asserts nothing.
 */
import { acquireNodeDevice } from "../src/runtime/webgpu/device.ts";
import { type Kernel, paramBytes, workgroupCounts } from "../src/contracts/kernel.ts";
import {
  chooseMatmulTile,
  describeTile,
  MATMUL_TILE_CANDIDATES,
  type MatmulTile,
} from "../src/compiler/codegen/matmul-tile.ts";
import { matmulKernel } from "../src/compiler/codegen/matmul.ts";
import { pipelineFor, runKernel } from "../src/runtime/webgpu/run-kernel.ts";

/** The value of `--name v` on the command line, or the fallback. */
function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1]! : fallback;
}

const N = Number(flag("size", "512")); // rows = k = n
const FLOP = 2 * N ** 3; // 268.4 MFLOP at 512
const WARM = 3;
const ITERS = Number(flag("iters", "15"));
const BATCH = Number(flag("batch", "1"));
const TILES = JSON.parse(flag("tiles", JSON.stringify(MATMUL_TILE_CANDIDATES))) as MatmulTile[];
/** The rows checked against the reference: all at 512, about 64 beyond. */
const CHECKED_ROWS = Array.from({ length: N }, (_, i) => i).filter(
  (i) => i % Math.max(1, Math.floor(N / 64)) === 0 || i === N - 1,
);

/** The peers' generator (common.mjs): uniform in [-1, 1) · scale. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randArr(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** The naive baseline: one output per invocation, scalar loads, no workgroup memory. */
function naiveKernel(k: number, n: number): Kernel {
  const wgsl = `// naive matmul: y[rows, N] = x[rows, K] · w[N, K]ᵀ, one output per invocation
const K: u32 = ${k}u; // in width
const N: u32 = ${n}u; // out width
struct Params {
  rows: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (row >= params.rows || col >= N) { return; }
  var sum = 0.0;
  for (var i = 0u; i < K; i++) { sum += x[row * K + i] * w[col * K + i]; }
  y[row * N + col] = sum;
}
`;
  return {
    name: "naive_matmul",
    wgsl,
    entryPoint: "main",
    bindings: [
      { name: "params", access: "uniform" },
      { name: "x", access: "read" },
      { name: "w", access: "read" },
      { name: "y", access: "read_write" },
    ],
    workgroupSize: [16, 16, 1],
    workgroupStorageBytes: 0,
    dispatch: [Math.ceil(n / 16), { expr: "rows", divisor: 16 }, 1],
    params: [{ name: "rows", value: "rows" }],
  };
}

interface Timing {
  medianMs: number;
  minMs: number;
  maxErr: number;
}

/** Times a kernel with its inputs resident on the device: dispatch + read-back per call. */
async function timeResident(
  device: GPUDevice,
  kernel: Kernel,
  data: Record<string, Float32Array>,
  reference: Float64Array,
): Promise<Timing> {
  const sizes = { rows: N };
  const pipeline = await pipelineFor(device, kernel);
  const buffers: GPUBuffer[] = [];
  let output: GPUBuffer | undefined;
  const entries = kernel.bindings.map((binding, i) => {
    if (binding.access === "uniform") {
      const bytes = paramBytes(kernel, sizes);
      const buffer = device.createBuffer({
        size: bytes.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, bytes);
      buffers.push(buffer);
      return { binding: i, resource: { buffer } };
    }
    const host = data[binding.name]!;
    const buffer = device.createBuffer({
      size: host.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(buffer, 0, host);
    buffers.push(buffer);
    if (binding.access === "read_write") output = buffer;
    return { binding: i, resource: { buffer } };
  });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const bytes = N * N * 4;
  const run = async (): Promise<Float32Array> => {
    const staging = device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    for (let b = 0; b < BATCH; b++) pass.dispatchWorkgroups(...workgroupCounts(kernel, sizes));
    pass.end();
    encoder.copyBufferToBuffer(output!, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const y = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return y;
  };
  const times: number[] = [];
  let last: Float32Array = new Float32Array();
  for (let i = 0; i < WARM + ITERS; i++) {
    const t0 = performance.now();
    last = await run();
    if (i >= WARM) times.push((performance.now() - t0) / BATCH);
  }
  for (const b of buffers) b.destroy();
  times.sort((a, b) => a - b);
  return {
    medianMs: times[times.length >> 1]!,
    minMs: times[0]!,
    maxErr: maxRelError(last, reference),
  };
}

/** max |a − b| / max(1, |b|) over the checked rows (reference holds only those, in order). */
function maxRelError(got: Float32Array, reference: Float64Array): number {
  let max = 0;
  CHECKED_ROWS.forEach((row, j) => {
    for (let col = 0; col < N; col++) {
      const want = reference[j * N + col]!;
      const error = Math.abs(got[row * N + col]! - want) / Math.max(1, Math.abs(want));
      max = Math.max(max, Number.isNaN(error) ? Infinity : error);
    }
  });
  return max;
}

const gflops = (ms: number) => FLOP / (ms * 1e6);
const tileName = describeTile;

const { device, description, kind } = await acquireNodeDevice();
console.log(`adapter: ${description} (${kind})`);
const per =
  BATCH === 1 ? "dispatch + read-back" : `(${BATCH} dispatches + one read-back) / ${BATCH}`;
console.log(
  `matmul ${N}x${N}x${N} f32 (${(FLOP / 1e6).toFixed(1)} MFLOP), inputs resident, time = ${per}, median of ${ITERS} after ${WARM} warm-ups`,
);

const a = randArr(N * N, 1);
const b = randArr(N * N, 2);
const w = new Float32Array(N * N); // W = Bᵀ: w[col][i] = b[i][col]
for (let i = 0; i < N; i++) for (let col = 0; col < N; col++) w[col * N + i] = b[i * N + col]!;
const reference = new Float64Array(CHECKED_ROWS.length * N);
CHECKED_ROWS.forEach((row, j) => {
  for (let col = 0; col < N; col++) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += a[row * N + i]! * w[col * N + i]!;
    reference[j * N + col] = sum;
  }
});
const data = { x: a, w, y: new Float32Array(N * N) };

const report = (label: string, t: Timing, baseline?: number) =>
  console.log(
    [
      label.padEnd(44),
      `median ${t.medianMs.toFixed(2).padStart(8)} ms`,
      `min ${t.minMs.toFixed(2).padStart(8)} ms`,
      `${gflops(t.medianMs).toFixed(3).padStart(8)} GFLOP/s`,
      baseline === undefined ? "" : `${(baseline / t.medianMs).toFixed(2).padStart(6)}x naive`,
      `max rel err ${t.maxErr.toExponential(2)}`,
    ].join("  "),
  );

const naive = await timeResident(device, naiveKernel(N, N), data, reference);
report("naive (one output per invocation)", naive);

const results: { tile: MatmulTile; timing: Timing }[] = [];
const best = await chooseMatmulTile(async (tile) => {
  const timing = await timeResident(
    device,
    matmulKernel({ name: "bench_matmul", k: N, n: N, bias: false, activation: "none", tile }),
    data,
    reference,
  );
  results.push({ tile, timing });
  report(`matmulKernel ${tileName(tile)}`, timing, naive.medianMs);
  return timing.medianMs;
}, TILES);
console.log(`best tile on this adapter: ${tileName(best)}`);

// The same best kernel through runKernel, one dispatch per call: uploads x and W every call too.
if (BATCH === 1) {
  const kernel = matmulKernel({
    name: "bench_matmul",
    k: N,
    n: N,
    bias: false,
    activation: "none",
    tile: best,
  });
  const times: number[] = [];
  let last: Float32Array = new Float32Array();
  for (let i = 0; i < WARM + ITERS; i++) {
    const t0 = performance.now();
    last = (await runKernel(device, kernel, data, { rows: N }))["y"]!;
    if (i >= WARM) times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const timing = {
    medianMs: times[times.length >> 1]!,
    minMs: times[0]!,
    maxErr: maxRelError(last, reference),
  };
  report("best tile via runKernel (upload every call)", timing, naive.medianMs);
}
device.destroy();
process.exit(0);
