import { describe, expect, it } from "vitest";
import { argmax } from "../../src/runtime/sampling.ts";
import { argmaxKernel, type LogitRows } from "../../src/compiler/codegen/argmax.ts";
import { topKKernel } from "../../src/compiler/codegen/topk.ts";
import { glueDevice, run, u32s, uniform } from "./glue-helpers.ts";

const device = await glueDevice();

/** Logits with many exact ties (integer values), a few −∞, and a row of only −∞. */
function tiedLogits(
  rows: number,
  vocab: number,
  next: (lo?: number, hi?: number) => number,
): Float32Array {
  const logits = Float32Array.from({ length: rows * vocab }, () => Math.floor(next(0, 12)));
  for (let i = 3; i < logits.length; i += 11) logits[i] = -Infinity;
  if (rows > 2) logits.fill(-Infinity, vocab, 2 * vocab);
  return logits;
}

/** The reference top k of one row: (value desc, index asc), as samplingDistribution orders. */
function referenceTopK(row: Float32Array, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => (row[b]! > row[a]! ? 1 : row[b]! < row[a]! ? -1 : a - b))
    .slice(0, k);
}

/** The logits rows a kernel reads: all, or the last of each sequence. */
function selectedRows(mode: LogitRows, batch: number, seq: number): number[] {
  return mode === "all"
    ? Array.from({ length: batch * seq }, (_, r) => r)
    : Array.from({ length: batch }, (_, b) => b * seq + seq - 1);
}

const SHAPES: [number, number][] = [
  // batch, seq
  [1, 1],
  [1, 5],
  [17, 1],
  [3, 4],
];
/**
 * Vocabularies (and k) per row mode. SwiftShader takes ~0.5 s to compile each top-k pipeline, so
 * the row selection is tried on fewer of them than the reduction itself.
 */
const ARGMAX_VOCABS: Record<LogitRows, number[]> = {
  all: [1, 7, 33, 96, 1000, 5003],
  "last-per-sequence": [7, 1000],
};
const TOPK_CASES: Record<LogitRows, [number, number][]> = {
  // vocab, k
  all: [
    [1, 1],
    [7, 1],
    [7, 5],
    [7, 7],
    [33, 33],
    [96, 64],
    [1000, 5],
    [5003, 64],
  ],
  "last-per-sequence": [
    [7, 5],
    [1000, 64],
  ],
};
const MODES: LogitRows[] = ["all", "last-per-sequence"];

describe.skipIf(!device)("LM-head reductions on the device", () => {
  for (const mode of MODES) {
    it(`argmax (${mode}), ties to the lower index`, async () => {
      const next = uniform(91);
      for (const vocab of ARGMAX_VOCABS[mode]) {
        const kernel = argmaxKernel({ vocab, rows: mode });
        for (const [batch, seq] of SHAPES) {
          const rows = batch * seq;
          const logits = tiedLogits(rows, vocab, next);
          const picked = selectedRows(mode, batch, seq);
          const result = await run(
            kernel,
            { logits, ids: new Uint32Array(picked.length) },
            { rows, batch, seq },
          );
          const want = picked.map((r) => argmax(logits.subarray(r * vocab, (r + 1) * vocab)));
          expect([...u32s(result["ids"])]).toEqual(want);
        }
      }
    });

    it(`top-k (${mode}), values and indices in sampling order`, async () => {
      const next = uniform(97);
      for (const [vocab, k] of TOPK_CASES[mode]) {
        const kernel = topKKernel({ vocab, k, rows: mode });
        for (const [batch, seq] of SHAPES) {
          const rows = batch * seq;
          const logits = tiedLogits(rows, vocab, next);
          const picked = selectedRows(mode, batch, seq);
          const data = {
            logits,
            values: new Float32Array(picked.length * k),
            indices: new Uint32Array(picked.length * k),
          };
          const result = await run(kernel, data, { rows, batch, seq });
          const indices = u32s(result["indices"]);
          picked.forEach((r, o) => {
            const row = logits.subarray(r * vocab, (r + 1) * vocab);
            const want = referenceTopK(row, k);
            expect([...indices.subarray(o * k, (o + 1) * k)]).toEqual(want);
            expect([...result["values"]!.subarray(o * k, (o + 1) * k)]).toEqual(
              want.map((i) => row[i]),
            );
          });
        }
      }
    });
  }

  it("a large vocabulary with distinct values: top 64 of 50257", async () => {
    const vocab = 50257;
    const next = uniform(101);
    const logits = Float32Array.from({ length: 2 * vocab }, () => next(-10, 10));
    const kernel = topKKernel({ vocab, k: 64, rows: "all" });
    const result = await run(
      kernel,
      { logits, values: new Float32Array(128), indices: new Uint32Array(128) },
      { rows: 2 },
    );
    const indices = u32s(result["indices"]);
    for (let r = 0; r < 2; r++) {
      const want = referenceTopK(logits.subarray(r * vocab, (r + 1) * vocab), 64);
      expect([...indices.subarray(r * 64, (r + 1) * 64)]).toEqual(want);
    }
    const ids = await run(
      argmaxKernel({ vocab, rows: "all" }),
      { logits, ids: new Uint32Array(2) },
      { rows: 2 },
    );
    expect([...u32s(ids["ids"])]).toEqual(
      [0, 1].map((r) => argmax(logits.subarray(r * vocab, (r + 1) * vocab))),
    );
  });

  it("refuses k beyond 64 or the vocabulary", () => {
    expect(() => topKKernel({ vocab: 100, k: 65 })).toThrow(RangeError);
    expect(() => topKKernel({ vocab: 7, k: 8 })).toThrow(RangeError);
  });
});
