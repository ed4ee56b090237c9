/**
 * Every tiny spec (every family: decoders, encoders, encoder-decoders, MoE, ViT) lowered with
 * packed weights for both adapter kinds verifies clean: no packed buffer is bound where a kernel
 * reads f32 (E0653), and packing changes no data flow (E0701–E0705).
 */
import { readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";

const specs = readdirSync("specs").filter((f) => f.startsWith("tiny-") && f.endsWith(".loom"));

/** q8 packs every row of a multiple of 4, q4 only multiples of 32: both mixes are met. */
const CASES = [
  ["q8", "gpu"],
  ["q4", "cpu"],
] as const;

it.each(specs)("%s lowered with q8 (GPU) and q4 (CPU adapter) weights verifies clean", (file) => {
  const ir = checkSpec(`specs/${file}`, (p) => readFileSync(p, "utf8")).models[0]!.ir!;
  for (const [format, target] of CASES) {
    const { plan } = lowerToPlan(ir, { target, weightFormats: { requested: format } });
    expect(plan!.buffers.some((b) => b.format === format)).toBe(true);
    expect(verifyPlan(plan!)).toEqual([]);
  }
});
