/**
 * Where the verifier runs: `loom compile` refuses to write a bundle whose plan does not verify,
 * and reading a bundle whose (consistent) manifest holds such a plan reports it, both with the
 * E07xx code and the compiler-bug hint.
 */
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { runCompile } from "../../src/cli/compile.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import { capture, fakeLower, miniContent, miniSpecFile, tempDir } from "../bundle/helpers.ts";

it("loom compile reports an unsound plan as a compiler bug and writes nothing", () => {
  const spec = miniSpecFile();
  const out = join(dirname(spec), "mini.bundle");
  const io = capture();
  // The copy kernel bound to the output twice: read before written, and read with read_write.
  const lower = fakeLower((plan) => (plan.steps[0]!.buffers = [1, 1]));
  expect(runCompile(spec, { force: false, out }, io, lower)).toBe(1);
  expect(io.err).toContain("error[E0701]");
  expect(io.err).toContain("error[E0702]");
  expect(io.err).toContain("not in your spec: please report it");
  expect(existsSync(out)).toBe(false);
});

it("reading a bundle verifies its plan", () => {
  const good = join(tempDir(), "good");
  expect(writeBundle(good, miniContent()).diagnostics).toEqual([]);
  const bad = join(tempDir(), "bad");
  cpSync(good, bad, { recursive: true });
  const manifest = JSON.parse(JSON.stringify(readBundle(good).manifest));
  manifest.plan.steps[0].buffers = [1, 1];
  writeFileSync(join(bad, "manifest.json"), JSON.stringify(manifest));
  const codes = readBundle(bad).diagnostics.map((d) => d.code);
  expect(codes).toEqual(["E0701", "E0702"]);
});
