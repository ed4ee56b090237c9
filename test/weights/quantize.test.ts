/**
 * Packing matmul weights into f16, q8 and q4 words (src/formats/quantize/): each layout against
 * words worked out by hand from docs/bundle-format.md's description, and the round trip's error
 * against the bound each format promises.
 */
import { describe, expect, it } from "vitest";
import { packMatrix, unpackMatrix } from "../../src/formats/quantize/index.ts";
import { packedWords, rowWords } from "../../src/contracts/weight-format.ts";
import { Mulberry32 } from "../../src/contracts/random.ts";

const hex = (words: Uint32Array) => [...words].map((w) => `0x${w.toString(16).padStart(8, "0")}`);

describe("f16", () => {
  it("packs two halves a word, the first in the low half", () => {
    // 1 = 0x3C00, -2 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF (the largest half).
    const words = packMatrix("f16", [1, -2, 0.5, 65504], [1, 4]);
    expect(hex(words)).toEqual(["0xc0003c00", "0x7bff3800"]);
    expect([...unpackMatrix("f16", words, [1, 4])]).toEqual([1, -2, 0.5, 65504]);
  });

  it("rounds to nearest, ties to even", () => {
    // 1 + 2^-11 lies halfway between 1 (0x3C00, even) and 1 + 2^-10 (0x3C01): it goes to 1.
    // 1 + 3·2^-11 lies halfway between 0x3C01 and 0x3C02 (even): it goes up.
    const words = packMatrix("f16", [1 + 2 ** -11, 1 + 3 * 2 ** -11], [1, 2]);
    expect(hex(words)).toEqual(["0x3c023c00"]);
  });
});

describe("q8", () => {
  it("stores a row's scale (amax / 127) and its bytes, lowest first", () => {
    // amax = 31.75, so scale = 0.25: q = 127, round(-4.5) = -5 (away from zero), round(1.2) = 1,
    // -127; bytes 0x7F 0xFB 0x01 0x81. An all-zero row has scale 0.
    const data = [31.75, -1.125, 0.3, -31.75, 0, 0, 0, 0];
    const words = packMatrix("q8", data, [2, 4]);
    expect(words.length).toBe(packedWords("q8", [2, 4]));
    expect(hex(words)).toEqual(["0x3e800000", "0x8101fb7f", "0x00000000", "0x00000000"]);
    expect([...unpackMatrix("q8", words, [2, 4])]).toEqual([
      31.75, -1.25, 0.25, -31.75, 0, 0, 0, 0,
    ]);
  });

  it("keeps every element within half a step of its row's scale", () => {
    const [n, k] = [5, 64];
    const data = randomMatrix(n * k, 3);
    const back = unpackMatrix("q8", packMatrix("q8", data, [n, k]), [n, k]);
    for (let r = 0; r < n; r++) {
      const row = data.slice(r * k, (r + 1) * k);
      const scale = Math.max(...row.map(Math.abs)) / 127;
      for (let c = 0; c < k; c++)
        expect(Math.abs(back[r * k + c]! - row[c]!)).toBeLessThanOrEqual(scale * 0.5001);
    }
  });
});

describe("q4", () => {
  it("stores the blocks' f16 scales two a word, then eight nibbles a word", () => {
    // Block 0: m = -4, d = 0.5 (0x3800): -4 → 0, 4 → 16 clamped to 15 (3.5), 0.3 → 9 (0.5),
    // -0.3 → 7 (-0.5), zeros → 8. Block 1: m = 16, d = -2 (0xC000): 16 → 0, zeros → 8.
    const data = new Array<number>(64).fill(0);
    [data[0], data[1], data[2], data[3], data[32]] = [-4, 4, 0.3, -0.3, 16];
    const words = packMatrix("q4", data, [1, 64]);
    expect(rowWords("q4", 64)).toBe(9);
    expect(hex(words)).toEqual([
      "0xc0003800",
      "0x888879f0",
      "0x88888888",
      "0x88888888",
      "0x88888888",
      "0x88888880",
      "0x88888888",
      "0x88888888",
      "0x88888888",
    ]);
    const back = unpackMatrix("q4", words, [1, 64]);
    expect([...back.slice(0, 4)]).toEqual([-4, 3.5, 0.5, -0.5]);
    expect(back[32]).toBe(16);
    expect(back.filter((v) => v !== 0).length).toBe(5);
  });

  it("an odd number of blocks leaves the last scale word's high half empty", () => {
    expect(rowWords("q4", 96)).toBe(2 + 12);
    const words = packMatrix("q4", new Array<number>(96).fill(1), [1, 96]);
    // m = 1: d = -0.125 (0xB000) in each of the three blocks.
    expect(hex(words.slice(0, 2))).toEqual(["0xb000b000", "0x0000b000"]);
    expect([...unpackMatrix("q4", words, [1, 96])].every((v) => v === 1)).toBe(true);
  });

  it("keeps each block's largest element exact and the rest within one step", () => {
    const [n, k] = [3, 96];
    const data = randomMatrix(n * k, 7);
    const back = unpackMatrix("q4", packMatrix("q4", data, [n, k]), [n, k]);
    for (let b = 0; b < (n * k) / 32; b++) {
      const block = data.slice(b * 32, b * 32 + 32);
      const amax = Math.max(...block.map(Math.abs));
      const step = amax / 8;
      block.forEach((x, i) => {
        const error = Math.abs(back[b * 32 + i]! - x);
        expect(error).toBeLessThanOrEqual(Math.abs(x) === amax ? amax * 1e-3 : step * 1.001);
      });
    }
  });
});

function randomMatrix(count: number, seed: number): number[] {
  const random = new Mulberry32(seed);
  return Array.from({ length: count }, () => Math.fround((random.nextU32() / 2 ** 32) * 2 - 1));
}
