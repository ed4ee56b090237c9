/**
 * Loom on the three workloads of ../shared/bench/peers (same data, same float64 references, same
 * method: inputs and weights resident on the device, each call = dispatches + read-back, 3 warm-ups
 * then the median). The data is the peers' own (their common.mjs), re-laid-out once at setup.
 */
import { checkSpec } from "../src/compiler/compile.ts";
import { lowerToPlan } from "../src/compiler/lower/lower.ts";
import type { Tensor } from "../src/contracts/tensor.ts";
import { attentionKernel, defaultAttentionTile } from "../src/compiler/codegen/attention.ts";
import { unrolledAttentionKernel } from "../src/compiler/codegen/attention-unrolled.ts";
import { defaultMatmulTile } from "../src/compiler/codegen/matmul-tile.ts";
import { matmulKernel } from "../src/compiler/codegen/matmul.ts";
import { WebGpuModel } from "../src/runtime/webgpu/session.ts";
import { ResidentKernel } from "../src/runtime/webgpu/resident-kernel.ts";

/** The peers' shared module: data generators, references, timing, FLOP counts. */
export interface PeerCommon {
  makeAll(): { t: Record<string, Float32Array> };
  refs(): { mm: Float32Array; att: Float32Array; gpt: Float32Array };
  bench(
    fn: () => Promise<ArrayLike<number>>,
    o: { warm: number; iters: number },
  ): Promise<{ median: number; min: number; max: number; last: ArrayLike<number> }>;
  cmp(
    got: ArrayLike<number>,
    ref: ArrayLike<number>,
  ): { maxAbs: number; rel: number } & Record<string, unknown>;
  MM_FLOP: number;
  ATT_FLOP: number;
  GPT_FLOP: number;
  N: number;
  S: number;
  D: number;
  H: number;
  HD: number;
  F: number;
  L: number;
}

export interface WorkloadResult {
  name: string;
  medianMs: number;
  gflops: number;
  maxAbsError: number;
}

/** Row-major [rows, cols] → [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

const GPT_SPEC = (c: PeerCommon) => `
// The peers' gpt2layer: 2 pre-LayerNorm GPT blocks, d ${c.D}, ${c.H} heads, seq ${c.S}, FFN ${c.F}, tanh-GELU, causal.
model gpt2layer {
  dims { d = ${c.D}, heads = ${c.H}, ffn = ${c.F}, seq_len = ${c.S} }
  input x: float[batch, seq <= seq_len, d]
  repeat ${c.L} as h {
    x = x + attention(layernorm(x), heads, causal)
    x = x + mlp(layernorm(x), ffn, act = gelu_tanh)
  }
  output y = x
}
`;

/** The peers' GPT weights under Loom's names ([out, in] projections, q|k|v split). */
function gptWeights(c: PeerCommon, t: Record<string, Float32Array>): Map<string, Tensor> {
  const w = new Map<string, Tensor>();
  const put = (name: string, shape: number[], data: Float32Array) =>
    w.set(name, { shape, data: Float64Array.from(data) });
  const { D, F } = c;
  for (let l = 0; l < c.L; l++) {
    const p = `h.${l}`;
    put(`${p}.layernorm.weight`, [D], t[`ln1g${l}`]!);
    put(`${p}.layernorm.bias`, [D], t[`ln1b${l}`]!);
    const wqkv = transpose(t[`wqkv${l}`]!, D, 3 * D); // [3D, D]
    const bqkv = t[`bqkv${l}`]!;
    ["q", "k", "v"].forEach((name, i) => {
      put(`${p}.attention.${name}.weight`, [D, D], wqkv.slice(i * D * D, (i + 1) * D * D));
      put(`${p}.attention.${name}.bias`, [D], bqkv.slice(i * D, (i + 1) * D));
    });
    put(`${p}.attention.o.weight`, [D, D], transpose(t[`wo${l}`]!, D, D));
    put(`${p}.attention.o.bias`, [D], t[`bo${l}`]!);
    put(`${p}.layernorm_1.weight`, [D], t[`ln2g${l}`]!);
    put(`${p}.layernorm_1.bias`, [D], t[`ln2b${l}`]!);
    put(`${p}.mlp.up.weight`, [F, D], transpose(t[`w1${l}`]!, D, F));
    put(`${p}.mlp.up.bias`, [F], t[`b1${l}`]!);
    put(`${p}.mlp.down.weight`, [D, F], transpose(t[`w2${l}`]!, F, D));
    put(`${p}.mlp.down.bias`, [D], t[`b2${l}`]!);
  }
  return w;
}

/** Runs Loom's three workloads on `device`; each result is checked against the peers' reference. */
export async function runLoomWorkloads(
  device: GPUDevice,
  c: PeerCommon,
  kind: "gpu" | "cpu",
): Promise<WorkloadResult[]> {
  const { t } = c.makeAll();
  const ref = c.refs();
  const results: WorkloadResult[] = [];
  const record = async (
    name: string,
    flop: number,
    reference: Float32Array,
    run: () => Promise<ArrayLike<number>>,
  ) => {
    const b = await c.bench(run, { warm: 3, iters: name === "matmul" ? 15 : 20 });
    results.push({
      name,
      medianMs: b.median,
      gflops: flop / (b.median * 1e6),
      maxAbsError: c.cmp(b.last, reference).maxAbs,
    });
  };

  const { N, S, H, HD } = c;
  const matmul = await ResidentKernel.create(
    device,
    matmulKernel({
      name: "bench_matmul",
      k: N,
      n: N,
      bias: false,
      activation: "none",
      tile: defaultMatmulTile(kind),
    }),
    {
      x: t["A"]!,
      w: transpose(t["B"]!, N, N),
      y: new Float32Array(N * N),
    },
  );
  await record("matmul", c.MM_FLOP, ref.mm, () => matmul.run({ rows: N }, "y"));

  // Q [H, S, HD] head-major → q [S, H·HD]; K, V → caches [1, S, H·HD] (no RoPE: as the peers).
  const rowsByHead = (a: Float32Array) => {
    const out = new Float32Array(a.length);
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        out.set(a.subarray((h * S + s) * HD, (h * S + s + 1) * HD), (s * H + h) * HD);
    return out;
  };
  const attentionOptions = {
    heads: H,
    kvHeads: H,
    headDim: HD,
    maxLen: S,
    causal: false,
    scale: 1 / Math.sqrt(HD),
    ropeTheta: null,
    padding: false,
  };
  // The kernel the compiler picks for this adapter kind (src/compiler/lower/attention.ts).
  const attention = await ResidentKernel.create(
    device,
    kind === "cpu"
      ? unrolledAttentionKernel(attentionOptions)
      : attentionKernel({ ...attentionOptions, tile: defaultAttentionTile(kind, HD) }),
    {
      q: rowsByHead(t["Q"]!),
      k_cache: rowsByHead(t["K"]!),
      v_cache: rowsByHead(t["V"]!),
      out: new Float32Array(S * H * HD),
    },
  );
  const attentionHeadMajor = async () => {
    const out = await attention.run({ seq: S, past: 0, keys: S, batch: 1 }, "out");
    const back = new Float32Array(out.length);
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        back.set(out.subarray((s * H + h) * HD, (s * H + h + 1) * HD), (h * S + s) * HD);
    return back;
  };
  await record("attention", c.ATT_FLOP, ref.att, attentionHeadMajor);

  const ir = checkSpec("gpt2layer.loom", () => GPT_SPEC(c)).models[0]!.ir!;
  const plan = lowerToPlan(ir, { target: kind }).plan!;
  const model = await WebGpuModel.load(device, ir, plan, gptWeights(c, t));
  const x: Tensor = { shape: [1, S, c.D], data: Float64Array.from(t["X"]!) };
  await record(
    "gpt2layer",
    c.GPT_FLOP,
    ref.gpt,
    async () => (await model.forward({ x })).outputs["y"]!.data,
  );
  return results;
}
