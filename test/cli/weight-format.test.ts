/**
 * `loom compile --weight-format`: the summary says what was packed, `loom inspect` shows it, the
 * CPU backend runs the bundle, and a format Loom does not have is a usage error (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { PACKED_SPEC } from "../bundle/format-helpers.ts";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-format-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = join(dir, "packed.loom");
writeFileSync(spec, PACKED_SPEC);

it("compiles with q4 weights, inspects and runs the bundle on the CPU", async () => {
  const out = join(dir, "q4");
  const compiled = await runLoom("compile", spec, "--weight-format", "q4", "-o", out);
  expect(compiled.code).toBe(0);
  expect(compiled.stdout).toMatch(
    /\(7 weights packed as q4 \(matmuls, embeddings\), the rest f32, seed 0\)/,
  );
  const inspected = await runLoom("inspect", out);
  expect(inspected.code).toBe(0);
  expect(inspected.stdout).toMatch(/19 tensors, 7 packed as q4 \(U32\), the rest F32/);
  const run = await runLoom("run", out, "--tokens", "1,2,3", "--backend", "cpu");
  expect(run.code).toBe(0);
});

it("refuses a format it does not have", async () => {
  const r = await runLoom("compile", spec, "--weight-format", "q3", "-o", join(dir, "q3"));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /--weight-format <format>' argument 'q3' is invalid. Allowed choices are f32, f16, q8, q4/,
  );
});
