/**
 * A CI sample of tools/fuzz-check.ts: mutants of the repository's specs (including nesting
 * thousands deep, operator chains thousands long and dims beyond any device) never make
 * checkSpec throw. The script runs 100,000 and also reports checks slower than a second; this
 * sample asserts no time, only that every mutant gives diagnostics rather than an exception.
 */
import { describe, expect, it } from "vitest";
import { checkMutant, drawMutant } from "./fuzz.ts";

const SAMPLE = 400;

describe("fuzzed specs", () => {
  it(`${SAMPLE} mutants of specs/ and test/parity/specs/ check without an exception`, () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SAMPLE; seed++) {
      const mutant = drawMutant(seed);
      const outcome = checkMutant(mutant);
      if (outcome.error !== undefined)
        failures.push(`seed ${seed} (${mutant.target}): ${String(outcome.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
