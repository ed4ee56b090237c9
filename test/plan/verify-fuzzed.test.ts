/**
 * The plan verifier over fuzzed specs: random valid models (test/properties/valid-spec.ts, full
 * and tiny sizes) lowered for both adapter kinds verify with no diagnostics, whenever the lowering
 * covers them (E0620 otherwise, the only diagnostic it may give).
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import { tinySpec, validSpec } from "../properties/valid-spec.ts";

/** Lowers the spec's model for a target and returns the verifier's findings. */
function findings(text: string, target: "gpu" | "cpu"): string[] {
  const ir = checkSpec("fuzzed.loom", () => text).models[0]!.ir!;
  const lowered = lowerToPlan(ir, { target });
  if (!lowered.plan)
    return lowered.diagnostics.filter((d) => d.code !== "E0620").map((d) => d.message);
  return verifyPlan(lowered.plan).map((d) => `${d.code} ${d.message}`);
}

it.each([
  ["full-size", validSpec],
  ["tiny", tinySpec],
] as const)(
  "%s random models lower to plans that verify",
  (_, specs) => {
    fc.assert(
      fc.property(specs, ({ text }) => {
        expect(findings(text, "gpu"), text).toEqual([]);
        expect(findings(text, "cpu"), text).toEqual([]);
      }),
      { numRuns: 150, seed: 11 },
    );
  },
  300_000,
);
