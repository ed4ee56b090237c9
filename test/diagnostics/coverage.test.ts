/**
 * Every diagnostic code that `loom check` can raise has at least one golden case that produces
 * it, so a new code cannot be added without a case showing what it prints.
 */
import { expect, it } from "vitest";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import { listCases, runCase } from "./golden-cases.ts";

/**
 * Code families (the two digits after E or W) raised by stages other than checking a spec, so no
 * spec can produce them here, with where they are raised. A new family must be added here, or get
 * golden cases.
 */
const OTHER_STAGES: Readonly<Record<string, string>> = {
  "05": "weights files: src/formats/weights/ and src/cli/weights.ts; tokenizer files (E054x): src/runtime/tokenizers/hub-check.ts and src/api/tokenizer-file.ts (test/tokenizers/hub-errors.test.ts, hub-bundle.test.ts)",
  "06": "device limits, lowering and bundles: src/contracts/device-profile/, src/compiler/lower/, src/compiler/bundle/ (test/bundle/codes.test.ts)",
  "07": "kernel plan verification, compiler bugs: src/contracts/plan/verify.ts (test/plan/verify-rules.test.ts)",
  "08": "GPU runtime errors: src/runtime/webgpu/gpu-errors.ts (test/webgpu/gpu-errors.test.ts, test/browser/gpu-errors.test.ts)",
  "09": "model import from and export to Hugging Face configs: src/compiler/import/hf/, src/compiler/export/, src/api/export.ts and the CLI (test/import/, test/export/, test/cli/import.test.ts, test/cli/export.test.ts)",
};

const family = (code: string) => code.slice(1, 3);

it("every spec-checking code in codes.ts is produced by some golden case", () => {
  const produced = new Set<string>();
  for (const c of listCases()) for (const d of runCase(c).diagnostics) produced.add(d.code);
  const missing = Object.keys(CODES).filter(
    (code) => !(family(code) in OTHER_STAGES) && !produced.has(code),
  );
  expect(missing, `add a case to test/diagnostics/cases/ for ${missing.join(", ")}`).toEqual([]);
});

it("no golden case produces a code of another stage, or one missing from codes.ts", () => {
  const known = Object.keys(CODES);
  for (const c of listCases()) {
    for (const d of runCase(c).diagnostics) {
      expect(known, c.name).toContain(d.code);
      expect(Object.keys(OTHER_STAGES), `${c.name}: ${d.code}`).not.toContain(family(d.code));
    }
  }
});
