/**
 * The batch a bundle holds: the spec's `batch <= N` bound, or `--max-batch`; a batch of several
 * sequences runs on WebGPU with the same outputs as the CPU reference executor.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-batch-"));
const unbounded = readFileSync("specs/tiny-gpt.loom", "utf8");
const bounded = unbounded.replace("int[batch, seq <= ctx]", "int[batch <= 4, seq <= ctx]");
writeFileSync(join(dir, "unbounded.loom"), unbounded);
writeFileSync(join(dir, "bounded.loom"), bounded);
// Three sequences of five tokens.
const tokens = [
  [1, 2, 3, 4, 5],
  [9, 8, 7, 6, 5],
  [40, 41, 42, 43, 44],
];
writeFileSync(join(dir, "tokens.json"), JSON.stringify(tokens));

function logits(json: string): number[] {
  return JSON.parse(readFileSync(json, "utf8")).outputs.logits.data as number[];
}

async function runBundle(bundle: string, out: string) {
  return runLoom("run", bundle, "--input", `tokens=${join(dir, "tokens.json")}`, "-o", out);
}

describe("batch bounds", () => {
  it("sizes a bundle for the spec's batch bound and runs three sequences as the reference does", async () => {
    const bundle = join(dir, "bounded.bundle");
    const compiled = await runLoom("compile", join(dir, "bounded.loom"), "-o", bundle);
    expect(compiled.code, compiled.stderr).toBe(0);
    const gpu = await runBundle(bundle, join(dir, "gpu.json"));
    expect(gpu.code, gpu.stderr).toBe(0);
    const cpu = await runLoom(
      "run",
      join(dir, "bounded.loom"),
      "--backend",
      "cpu",
      "--input",
      `tokens=${join(dir, "tokens.json")}`,
      "-o",
      join(dir, "cpu.json"),
    );
    expect(cpu.code, cpu.stderr).toBe(0);
    const a = logits(join(dir, "gpu.json"));
    const b = logits(join(dir, "cpu.json"));
    expect(a.length).toBe(3 * 5 * 256);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(worst).toBeLessThan(1e-4);
  });

  it("takes --max-batch for a spec without a bound, and says what to do when a batch is too big", async () => {
    const small = join(dir, "batch1.bundle");
    expect((await runLoom("compile", join(dir, "unbounded.loom"), "-o", small)).code).toBe(0);
    const refused = await runBundle(small, join(dir, "refused.json"));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /batch = 3 is above the compiled bound 1: compile with `--max-batch 3`/,
    );
    const wide = join(dir, "batch3.bundle");
    const compiled = await runLoom(
      "compile",
      join(dir, "unbounded.loom"),
      "--max-batch",
      "3",
      "-o",
      wide,
    );
    expect(compiled.code, compiled.stderr).toBe(0);
    expect((await runBundle(wide, join(dir, "wide.json"))).code).toBe(0);
  });

  it("refuses a --max-batch above the spec's own bound", async () => {
    const over = await runLoom(
      "compile",
      join(dir, "bounded.loom"),
      "--max-batch",
      "8",
      "-o",
      join(dir, "over.bundle"),
    );
    expect(over.code).toBe(2);
    expect(over.stderr).toContain("--max-batch 8 is above the spec's own bound `batch <= 4`");
  });
});
