import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import { runSummary } from "../../src/cli/summary.ts";

function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    isTty: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

function specFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "loom-summary-")), name);
  writeFileSync(path, text);
  return path;
}

describe("loom summary", () => {
  it("prints one JSON object with an integer parameter count", () => {
    const io = capture();
    expect(runSummary(["specs/gpt2-small.loom"], { json: true, batch: 1 }, io)).toBe(0);
    const summary = JSON.parse(io.out);
    expect(Object.keys(summary)).toEqual([
      "model",
      "parameters",
      "components",
      "flopsPerToken",
      "weightBytes",
      "kvCacheBytes",
      "activationBytes",
      "batch",
      "seq",
    ]);
    expect(summary.model).toBe("gpt2_small");
    expect(summary.parameters).toBe(124_439_808);
    expect(summary.weightBytes).toEqual({ f32: 497_759_232, f16: 248_879_616 });
    expect(summary.batch).toBe(1);
    expect(summary.seq).toBe(1024); // the bound of seq
    expect(io.err).toBe("");
  });

  it("uses --batch and --seq", () => {
    const io = capture();
    expect(runSummary(["specs/tiny-gpt.loom"], { json: true, batch: 2, seq: 8 }, io)).toBe(0);
    const summary = JSON.parse(io.out);
    expect([summary.batch, summary.seq]).toEqual([2, 8]);
    expect(summary.kvCacheBytes).toBe(16_384);
  });

  it("prints an array for a file with several models", () => {
    const two = specFile(
      "two.loom",
      `model a {
  dims { vocab = 16, d = 8 }
  input tokens: int[batch, seq <= 4]
  output logits = lm_head(embed(tokens, vocab, d), vocab)
}
model b {
  dims { d = 8, classes = 3 }
  input x: float[batch, d]
  output y = classifier(x, classes)
}
`,
    );
    const io = capture();
    expect(runSummary([two], { json: true, batch: 1 }, io)).toBe(0);
    const summaries = JSON.parse(io.out);
    expect(summaries.map((s: { model: string }) => s.model)).toEqual(["a", "b"]);
    expect(summaries.map((s: { parameters: number }) => s.parameters)).toEqual([
      16 * 8 + 16 * 8, // table + untied head
      8 * 3 + 3,
    ]);
  });

  it("prints an aligned table with exact and human figures", () => {
    const io = capture();
    expect(runSummary(["specs/gpt2-small.loom"], { json: false, batch: 1 }, io)).toBe(0);
    expect(io.out).toContain("gpt2_small (specs/gpt2-small.loom), batch 1, seq 1024");
    expect(io.out).toMatch(/parameters +124,439,808 +124\.4 M/);
    expect(io.out).toMatch(/weights, f32 +497,759,232 +497\.8 MB/);
    expect(io.out).toMatch(/scope h +85,054,464 +85\.1 M/);
    expect(io.out).toContain("2 per multiply-accumulate");
    const lines = io.out.split("\n");
    const rows = lines.slice(1, lines.indexOf(""));
    expect(rows).toHaveLength(13);
    expect(new Set(rows.map((l) => l.length)).size).toBe(1); // right-aligned columns
  });

  it("exits 2 for a missing file", () => {
    const io = capture();
    expect(runSummary(["specs/no-such-model.loom"], { json: false, batch: 1 }, io)).toBe(2);
    expect(io.err).toContain("no-such-model.loom");
  });

  it("exits 2 for a bad --seq", () => {
    const io = capture();
    expect(runSummary(["specs/tiny-gpt.loom"], { json: false, batch: 1, seq: 0 }, io)).toBe(2);
    expect(io.err).toContain("--seq");
  });

  it("exits 1 and prints the diagnostics when the spec has errors", () => {
    const bad = specFile(
      "bad.loom",
      `model bad {
  dims { vocab = 16, d = 10, heads = 4 }
  input tokens: int[batch, seq <= 8]
  x = embed(tokens, vocab, d)
  output y = attention(x, heads)
}
`,
    );
    const io = capture();
    expect(runSummary([bad], { json: true, batch: 1 }, io)).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toContain("error[E0302]");
    expect(io.err).toContain("bad.loom:5:");
  });
});
