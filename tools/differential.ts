/**
 * Differential testing of the compiler at scale: `npx tsx tools/differential.ts --count N --seed S`
 * draws N tiny random models (test/properties/valid-spec.ts's `tinySpec`, model i from seed S + i),
 * compiles each for this machine's WebGPU adapter (or `--target gpu|cpu`), verifies the plan, runs it and compares it with
 * the CPU reference (test/webgpu/differential.ts, tolerance 1e-3 of the output's scale). Prints
 * how many it tried, compared, skipped (not lowered for WebGPU) and how many differed, and for each
 * failure its seed, what differed and the spec text. Exit 1 when any model differs or is unsound.
 */
import fc from "fast-check";
import { acquireNodeDevice } from "../src/runtime/webgpu/device.ts";
import { tinySpec } from "../test/properties/valid-spec.ts";
import { differential } from "../test/webgpu/differential.ts";
import { intOption } from "./int-option.ts";

const count = intOption("count", 20);
const seed = intOption("seed", 1);
const acquired = await acquireNodeDevice();
const device = acquired.device;
// `--target gpu` runs the GPU kernels on SwiftShader too (slower, but it tests their lowering).
const at = process.argv.indexOf("--target");
const kind = at >= 0 ? process.argv[at + 1] : acquired.kind;
if (kind !== "gpu" && kind !== "cpu") {
  console.error("--target needs gpu or cpu");
  process.exit(2);
}
const tally = { agrees: 0, skipped: 0, unsound: 0, differs: 0, crashed: 0 };
const skips = new Map<string, number>();
let worst = 0;
const started = Date.now();
for (let i = 0; i < count; i++) {
  const { text } = fc.sample(tinySpec, { seed: seed + i, numRuns: 1 })[0]!;
  let outcome;
  try {
    outcome = await differential(device, kind, text);
  } catch (error) {
    outcome = { status: "crashed" as const, reason: (error as Error).stack ?? String(error) };
  }
  tally[outcome.status]++;
  if (outcome.status === "agrees") worst = Math.max(worst, outcome.worst);
  if (outcome.status === "skipped") {
    const reason = outcome.reason.replace(/\d+/g, "N");
    skips.set(reason, (skips.get(reason) ?? 0) + 1);
  }
  if (outcome.status !== "agrees" && outcome.status !== "skipped")
    console.log(`\n--- seed ${seed + i}: ${outcome.status}\n${outcome.reason}\n${text}`);
}
device.destroy();
const compared = tally.agrees + tally.differs;
console.log(
  `\ntried ${count} models (seeds ${seed}–${seed + count - 1}, kernels for ${kind} adapters, ${Math.round((Date.now() - started) / 1000)} s): ` +
    `${compared} compared, ${tally.agrees} agree (worst error ${worst.toExponential(2)} of the output scale), ` +
    `${tally.differs} differ, ${tally.unsound} unsound plans, ${tally.crashed} crashed, ${tally.skipped} skipped`,
);
for (const [reason, n] of skips) console.log(`  skipped ${n}: ${reason}`);
process.exit(tally.differs + tally.unsound + tally.crashed > 0 ? 1 : 0);
