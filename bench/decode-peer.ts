/**
 * Decode against a peer runtime, in one run on one machine: the trained Moby-Dick GPT
 * (specs/tiny-gpt-moby.loom) generates greedily after a 32-token prompt on Loom's WebGPU runtime
 * (KV-cached, one position a step) and, from Loom's ONNX export of the same weights, on
 * onnxruntime-node's WebGPU and CPU execution providers (bench/ort-decode.mjs, each in its own
 * process; the export has no KV-cache graph, so each ONNX step runs the whole sequence, as a user
 * of that file would). Prints ms a token, tokens/s, whether the tokens agree with Loom's, and the
 * weight bytes a token over the adapter's read bandwidth measured in the same run.
 * Run: npx tsx bench/decode-peer.ts (part of `npm run bench`). Never a test: nothing is asserted.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeWeightBytes, measureDeviceBandwidth } from "../src/api/bandwidth.ts";
import { openOnDevice } from "../src/api/device.ts";
import { exportToMemory } from "../src/api/export.ts";
import { loadModel } from "../src/api/model.ts";
import { generateOnDevice } from "../src/runtime/webgpu/generate.ts";

const PROMPT = 32;
const STEPS = 16;

const model = loadModel("specs/tiny-gpt-moby.loom", {
  weights: "weights/tiny-gpt-moby.safetensors",
  layout: "loom",
});
const prompt = model
  .tokenizer!.encode("Call me Ishmael. Some years ago—never mind how long precisely")
  .slice(0, PROMPT);

// Loom: time each generated token after the first (the prefill), median.
const gpu = await openOnDevice(model);
const loomTokens: number[] = [];
const stamps: number[] = [];
for await (const token of generateOnDevice(gpu, prompt, { maxTokens: STEPS + 1 })) {
  loomTokens.push(token);
  stamps.push(performance.now());
}
const steps = stamps.slice(1).map((t, i) => t - stamps[i]!);
const loomMs = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
const bandwidth = await measureDeviceBandwidth(gpu.device, 3);
const bytes = decodeWeightBytes(gpu.ir, gpu.plan);
gpu.destroy();

const onnx = (await exportToMemory(model, "onnx")).files.get("model.onnx")!;
const file = join(mkdtempSync(join(tmpdir(), "loom-decode-peer-")), "model.onnx");
writeFileSync(file, onnx);

const rows: { runtime: string; ms: number; agrees: boolean }[] = [
  { runtime: "loom (WebGPU, KV cache)", ms: loomMs, agrees: true },
];
for (const [runtime, ep] of [
  ["onnxruntime-node webgpu EP (no KV cache)", "webgpu"],
  ["onnxruntime-node CPU EP (not WebGPU)", "cpu"],
] as const) {
  const ran = spawnSync(
    "node",
    ["bench/ort-decode.mjs", file, ep, prompt.join(","), String(STEPS)],
    { encoding: "utf8", maxBuffer: 16 << 20 },
  );
  const line = ran.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) {
    console.error(`${runtime}: no result (${ran.stderr.trim().split("\n").at(-1) ?? ran.status})`);
    continue;
  }
  const result = JSON.parse(line) as { msPerToken: number; tokens: number[] };
  rows.push({
    runtime,
    ms: result.msPerToken,
    agrees: result.tokens.join() === loomTokens.join(),
  });
}

console.log(
  `decode, tiny-gpt-moby (trained), ${PROMPT}-token prompt, median of ${STEPS} steps; ` +
    `${(bytes / 1e6).toFixed(2)} MB of weights a token; read bandwidth ${(bandwidth.bytesPerSecond / 1e9).toFixed(2)} GB/s (${bandwidth.layout})`,
);
console.log(
  "runtime                                    ms/token  tokens/s  bandwidth ratio  same tokens",
);
for (const r of rows)
  console.log(
    `${r.runtime.padEnd(42)} ${r.ms.toFixed(2).padStart(8)} ${(1000 / r.ms).toFixed(1).padStart(9)} ${(bytes / (r.ms / 1000) / bandwidth.bytesPerSecond).toFixed(3).padStart(16)}  ${r.agrees ? "yes" : "no"}`,
  );
process.exit(0);
