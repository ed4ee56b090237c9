import { evaluateSize, type KernelTimes, type WebGpuModel } from "../api/device.ts";
import type { Tensor } from "../api/weights.ts";
import { EXIT, type Io } from "./io.ts";
import { loadModel, type LoadModelOptions } from "../api/model.ts";
import { assembleInputs } from "../api/inputs.ts";
import { openForCli } from "./open.ts";

import { decodeWeightBytes, measureDeviceBandwidth } from "../api/bandwidth.ts";

export interface BenchOptions extends LoadModelOptions {
  promptTokens: number;
  decodeTokens: number;
  runs: number;
  json: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** FLOPs of one dispatch, for the matmul and attention kernels (named by their static dims). */
function dispatchFlops(
  kernel: string,
  sizes: Record<string, number>,
): { kind: "matmul" | "attention"; flops: number } | undefined {
  const matmul = /^matmul_k(\d+)_n(\d+).*?(_swiglu|_geglu)?(?:_res|_scaled)*$/.exec(kernel);
  if (matmul)
    return {
      kind: "matmul",
      flops: 2 * (sizes["rows"] ?? 0) * Number(matmul[1]) * Number(matmul[2]) * (matmul[3] ? 2 : 1),
    };
  const attention = /^(?:decode_)?attention_h(\d+)_kv\d+_hd(\d+)/.exec(kernel);
  if (attention)
    return {
      kind: "attention",
      flops:
        4 *
        (sizes["seq"] ?? 1) *
        (sizes["keys"] ?? 0) *
        Number(attention[1]) *
        Number(attention[2]),
    };
  return undefined;
}

/** `loom bench MODEL`: prefill and decode tokens/s, per-kernel GPU time, GFLOP/s of matmul and attention. */
export async function runBench(path: string, opts: BenchOptions, io: Io): Promise<number> {
  const model = loadModel(path, { ...opts, backend: "webgpu" });
  const gpu = await openForCli(model, io);
  const generation = gpu.plan.generation;
  const step = gpu.plan.sizes.step;
  const bound = step ? gpu.plan.sizes.max[step]! : Infinity;
  const promptTokens = Math.min(opts.promptTokens, bound - opts.decodeTokens);
  if (generation && promptTokens < 1) {
    io.stderr(`error: --prompt-tokens plus --decode-tokens must fit the sequence bound ${bound}\n`);
    return EXIT.usage;
  }
  const vocab = generation?.vocab ?? 1;
  const tokens = (n: number, from = 0): Tensor => ({
    shape: [1, n],
    data: Float64Array.from({ length: n }, (_, i) => (7 * (from + i) + 1) % vocab),
  });
  const inputs = assembleInputs(
    model.ir,
    {},
    generation
      ? { input: generation.stepInput, ids: Array.from(tokens(promptTokens).data) }
      : undefined,
  );

  const prefill = async (profile: boolean) => {
    gpu.reset();
    const start = performance.now();
    const result = await gpu.forward(inputs, generation ? "next-token" : "outputs", profile);
    return { ms: performance.now() - start, times: result.kernelTimes };
  };
  await prefill(false);
  const prefillMs = median(
    await Promise.all(Array.from({ length: opts.runs }, () => 0)).then(async () => {
      const all: number[] = [];
      for (let r = 0; r < opts.runs; r++) all.push((await prefill(false)).ms);
      return all;
    }),
  );
  const prefillTimes = (await prefill(true)).times;

  let decodeMs: number | undefined;
  let decodeTimes: KernelTimes | undefined;
  if (generation) {
    const steps: number[] = [];
    await prefill(false);
    for (let i = 0; i < opts.decodeTokens; i++) {
      const start = performance.now();
      const profile = i === opts.decodeTokens - 1;
      const result = await gpu.forward(
        { ...inputs, [generation.stepInput]: tokens(1, promptTokens + i) },
        "next-token",
        profile,
      );
      if (!profile) steps.push(performance.now() - start);
      else decodeTimes = result.kernelTimes;
    }
    decodeMs = median(steps.length > 0 ? steps : [0]);
  }
  const bandwidth = await measureDeviceBandwidth(gpu.device);
  const weightBytesPerToken = decodeWeightBytes(gpu.ir, gpu.plan);
  const weightBytesPerSecond = decodeMs ? (weightBytesPerToken / decodeMs) * 1000 : undefined;

  const report = {
    model: model.ir.model,
    promptTokens: generation ? promptTokens : undefined,
    prefillMs,
    prefillTokensPerSecond: generation ? (promptTokens / prefillMs) * 1000 : undefined,
    decodeMsPerToken: decodeMs,
    decodeTokensPerSecond: decodeMs ? 1000 / decodeMs : undefined,
    readBandwidthBytesPerSecond: bandwidth.bytesPerSecond,
    decodeWeightBytesPerToken: generation ? weightBytesPerToken : undefined,
    decodeWeightBytesPerSecond: weightBytesPerSecond,
    decodeBandwidthRatio:
      weightBytesPerSecond !== undefined
        ? weightBytesPerSecond / bandwidth.bytesPerSecond
        : undefined,
    prefillKernels: summarise(gpu, prefillTimes, inputs, promptTokens, 0),
    decodeKernels:
      generation && decodeTimes
        ? summarise(gpu, decodeTimes, inputs, 1, promptTokens + opts.decodeTokens - 1)
        : undefined,
  };
  gpu.destroy();
  if (opts.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `${report.model}: prefill ${report.promptTokens ?? ""}${generation ? " tokens" : ""} in ${prefillMs.toFixed(2)} ms (median of ${opts.runs})`,
  ];
  if (report.prefillTokensPerSecond)
    lines.push(`  prefill: ${report.prefillTokensPerSecond.toFixed(1)} tokens/s`);
  if (report.decodeTokensPerSecond)
    lines.push(
      `  decode:  ${report.decodeTokensPerSecond.toFixed(1)} tokens/s (${decodeMs!.toFixed(2)} ms per token, median of ${opts.decodeTokens - 1})`,
    );
  lines.push(
    `  read bandwidth: ${gigabytes(bandwidth.bytesPerSecond)}/s (the faster streaming-read kernel, ${bandwidth.layout} reads over ${megabytes(bandwidth.bytes)}, median of ${bandwidth.secondsPerDispatch.length})`,
  );
  if (weightBytesPerSecond !== undefined)
    lines.push(
      `  decode weights: ${megabytes(weightBytesPerToken)} a token, ${gigabytes(weightBytesPerSecond)}/s = ${report.decodeBandwidthRatio!.toFixed(3)} of the read bandwidth`,
    );
  for (const [phase, kernels] of [
    ["prefill", report.prefillKernels],
    ["decode", report.decodeKernels],
  ] as const) {
    if (!kernels) continue;
    lines.push(`  ${phase} GPU time by kernel (timestamp queries):`);
    for (const k of kernels.kernels)
      lines.push(`    ${k.kernel.padEnd(64)} ${k.ms.toFixed(3).padStart(9)} ms  ×${k.dispatches}`);
    for (const [kind, g] of Object.entries(kernels.gflops))
      lines.push(`    ${kind}: ${g.toFixed(2)} GFLOP/s`);
  }
  if (!prefillTimes) lines.push("  (this adapter has no timestamp queries: no per-kernel times)");
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** Per-kernel times, slowest first, and GFLOP/s of the matmul and attention dispatches. */
function summarise(
  gpu: WebGpuModel,
  times: KernelTimes | undefined,
  inputs: Record<string, Tensor>,
  seq: number,
  past: number,
) {
  if (!times) return undefined;
  const kernels = [...times.entries()]
    .map(([kernel, t]) => ({ kernel, ms: t.nanoseconds / 1e6, dispatches: t.dispatches }))
    .sort((a, b) => b.ms - a.ms);
  const flops: Record<string, number> = {};
  const ns: Record<string, number> = {};
  const runtime: Record<string, number> = { past, batch: 1 };
  const step = gpu.plan.sizes.step;
  for (const input of gpu.ir.inputs)
    input.shape.forEach((axis, i) => {
      if (typeof axis === "string") runtime[axis] = inputs[input.name]?.shape[i] ?? 1;
    });
  if (step) runtime[step] = seq;
  for (const s of gpu.plan.steps) {
    const sizes: Record<string, number> = {};
    try {
      for (const [k, v] of Object.entries(s.sizes)) sizes[k] = evaluateSize(v, runtime);
    } catch {
      continue;
    }
    const f = dispatchFlops(s.kernel, sizes);
    const t = times.get(s.kernel);
    if (!f || !t) continue;
    flops[f.kind] = (flops[f.kind] ?? 0) + f.flops;
    ns[f.kind] = (ns[f.kind] ?? 0) + t.nanoseconds / t.dispatches;
  }
  const gflops = Object.fromEntries(Object.keys(flops).map((k) => [k, flops[k]! / ns[k]!]));
  return { kernels, gflops };
}
