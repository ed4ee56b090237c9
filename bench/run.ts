/**
 * `npm run bench`: Loom and the peer WebGPU runtimes (../shared/bench/peers: onnxruntime, tfjs,
 * jax-js) on the same three workloads and the same adapter, in one run, with the ratios.
 * The peers run from a writable copy in bench/.peers (installed on first use). `--loom-only` skips
 * them. Benchmarks are never tests: nothing here asserts a time.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { acquireNodeDevice } from "../src/runtime/webgpu/device.ts";
import { runLoomWorkloads, type PeerCommon, type WorkloadResult } from "./workloads.ts";

const here = import.meta.dirname;
// LOOM_PEERS_DIR: a writable copy of the peers' folder to use as it is (e.g. on a GPU machine).
const given = process.env["LOOM_PEERS_DIR"];
const shared = given ?? join(here, "..", "..", "shared", "bench", "peers");
const copy = given ?? join(here, ".peers");
const loomOnly = process.argv.includes("--loom-only");

if (!existsSync(shared)) {
  console.error(
    `no peer benchmark at ${shared}: it comes with the shared/ folder beside the repository`,
  );
  process.exit(2);
}
if (!existsSync(copy))
  cpSync(shared, copy, { recursive: true, filter: (src) => !src.includes("node_modules") });
if (!existsSync(join(copy, "data", "manifest.json")))
  execFileSync("node", ["mkdata.mjs"], { cwd: copy, stdio: "inherit" });

interface PeerLine {
  runtime: string;
  name: string;
  medianMs: number;
}

function runPeers(): PeerLine[] {
  if (!existsSync(join(copy, "node_modules"))) {
    console.error("installing the peers in bench/.peers (once)…");
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], {
      cwd: copy,
      stdio: "inherit",
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" },
    });
  }
  if (
    !existsSync(join(copy, "gpt2layer.onnx")) &&
    !existsSync(join(copy, "data", "gpt2layer.onnx"))
  ) {
    const onnx = spawnSync("/usr/bin/python3", ["mkonnx.py"], { cwd: copy, stdio: "inherit" });
    if (onnx.status !== 0)
      console.error(
        "could not build the ONNX models (apt-get install python3-onnx); onnxruntime rows will be missing",
      );
  }
  // The peers of run.sh, one after another (never two at once), each labelled.
  const peers: [string, string[], Record<string, string>][] = [
    ["onnxruntime-node CPU EP (not WebGPU)", ["ort_node.mjs", "cpu"], {}],
    ["onnxruntime-node webgpu EP", ["ort_node.mjs", "webgpu"], {}],
    ["tfjs-backend-webgpu", ["tfjs_webgpu.mjs", "webgpu"], {}],
    ["onnxruntime-web webgpu", ["ort_web_node.mjs", "webgpu"], { SAB_SHIM: "1" }],
    ["jax-js webgpu", ["jaxjs.mjs", "webgpu"], {}],
  ];
  const lines: PeerLine[] = [];
  for (const [runtime, args, env] of peers) {
    const out = spawnSync("node", args, {
      cwd: copy,
      encoding: "utf8",
      maxBuffer: 64 << 20,
      env: { ...process.env, ...env },
    });
    for (const line of out.stdout.split("\n")) {
      try {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (typeof r["medianMs"] === "number" && typeof r["name"] === "string")
          lines.push({ runtime, name: r["name"], medianMs: r["medianMs"] });
      } catch {
        // a log line, not a result
      }
    }
  }
  return lines;
}

const common = (await import(join(copy, "common.mjs"))) as PeerCommon;
const { device, description, kind } = await acquireNodeDevice();
console.log(`adapter: ${description}`);
const loom: WorkloadResult[] = await runLoomWorkloads(device, common, kind);
device.destroy();
const peers = loomOnly ? [] : runPeers();

console.log(
  "\nworkload   runtime                              median ms   GFLOP/s   Loom speed-up",
);
for (const w of loom) {
  const flop = w.gflops * w.medianMs * 1e6;
  console.log(
    `${w.name.padEnd(10)} ${"loom".padEnd(36)} ${w.medianMs.toFixed(2).padStart(9)} ${w.gflops.toFixed(2).padStart(9)}   (max |error| ${w.maxAbsError.toExponential(1)})`,
  );
  for (const p of peers.filter((p) => p.name === w.name)) {
    const ratio = p.medianMs / w.medianMs;
    console.log(
      `${"".padEnd(10)} ${p.runtime.slice(0, 36).padEnd(36)} ${p.medianMs.toFixed(2).padStart(9)} ${(flop / (p.medianMs * 1e6)).toFixed(2).padStart(9)}   ${ratio.toFixed(2)}×`,
    );
  }
}
process.exit(0);
