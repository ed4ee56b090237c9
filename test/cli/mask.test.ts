/** A padding mask is never filled silently: one sequence gets a note, several need the mask. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-mask-"));

describe("mask inputs", () => {
  it("fills one unpadded sequence's mask with true and says so", async () => {
    const run = await runLoom(
      "run",
      "specs/tiny-bert.loom",
      "--backend",
      "cpu",
      "--tokens",
      "1,2,3",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: input `\w+` was not given: one sequence has no padding/);
  });

  it("refuses to guess the mask of several sequences", async () => {
    writeFileSync(
      join(dir, "tokens.json"),
      JSON.stringify([
        [1, 2, 3],
        [4, 5, 0],
      ]),
    );
    const run = await runLoom(
      "run",
      "specs/tiny-bert.loom",
      "--backend",
      "cpu",
      "--input",
      `tokens=${join(dir, "tokens.json")}`,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /is a mask, and with 2 sequences which positions are padding cannot be guessed/,
    );
  });
});
