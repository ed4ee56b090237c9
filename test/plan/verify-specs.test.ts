/**
 * The plan verifier over every spec the repository has (specs/ and the specs of test/), each
 * lowered for both adapter kinds: a plan the lowering produces must verify with no diagnostics,
 * within the limits of the profile it would be compiled for, and so must the playground's plan with
 * attention maps added.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { BUILTIN_PROFILES } from "../../src/contracts/device-profile/builtins.ts";
import { checkPlanAgainstProfile } from "../../src/contracts/device-profile/check.ts";
import { profileLimits } from "../../src/contracts/device-profile/schema.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import { withAttentionMaps } from "../../src/compiler/codegen/attention-map.ts";

/** Every .loom file under a folder that checks (golden diagnostic cases are bad on purpose). */
function specsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path.includes("diagnostics") ? [] : specsUnder(path);
    return name.endsWith(".loom") ? [path] : [];
  });
}

const SPECS = [...specsUnder("specs"), ...specsUnder("test")];
const PROFILES = {
  gpu: BUILTIN_PROFILES["webgpu-default"]!,
  cpu: BUILTIN_PROFILES["swiftshader"]!,
};

describe.each(["gpu", "cpu"] as const)("every spec's plan verifies (target %s)", (target) => {
  it.each(SPECS)("%s", (spec) => {
    const checked = checkSpec(spec, (p) => readFileSync(p, "utf8"));
    const models = checked.models.flatMap((m) => (m.ir ? [m.ir] : []));
    for (const ir of models) {
      const lowered = lowerToPlan(ir, { target });
      if (!lowered.plan) {
        // Only "not compiled for WebGPU yet" may stop a spec that checks.
        expect(lowered.diagnostics.map((d) => d.code)).toEqual(["E0620"]);
        continue;
      }
      // Limits are checked for the models that fit the profile (the others get E0601 from
      // `loom compile`: too big for the device, not a compiler bug).
      const fits = checkPlanAgainstProfile(lowered.plan, PROFILES[target]).every(
        (d) => d.code !== "E0601",
      );
      const limits = fits ? profileLimits(PROFILES[target]) : undefined;
      const found = verifyPlan(lowered.plan, limits).map((d) => `${d.code} ${d.message}`);
      expect(found, `${spec} ${ir.model}`).toEqual([]);
      // The playground's plan: attention-map kernels added after each self-attention.
      const maps = withAttentionMaps(ir, lowered.plan).plan;
      expect(
        verifyPlan(maps).map((d) => `${d.code} ${d.message}`),
        `${spec} maps`,
      ).toEqual([]);
    }
  });
});
