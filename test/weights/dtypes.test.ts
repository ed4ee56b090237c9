/** float16 and bfloat16 rounding against hand-computed bit patterns. */
import { describe, expect, it } from "vitest";
import {
  fromBf16Bits,
  fromF16Bits,
  toBf16Bits,
  toF16Bits,
} from "../../src/formats/weights/dtypes.ts";

const hex = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

describe("float16 (IEEE binary16, round to nearest even)", () => {
  const cases: [string, number, number][] = [
    ["1", 1, 0x3c00],
    ["-2", -2, 0xc000],
    ["0.5", 0.5, 0x3800],
    ["0.1 (nearest is 0x2E66)", 0.1, 0x2e66],
    ["+0", 0, 0x0000],
    ["-0", -0, 0x8000],
    ["max finite 65504", 65504, 0x7bff],
    ["65519.99 stays at 65504", 65519.99, 0x7bff],
    ["65520 (halfway to 2^16) rounds to even: infinity", 65520, 0x7c00],
    ["1e6 overflows to infinity", 1e6, 0x7c00],
    ["-1e6 overflows to -infinity", -1e6, 0xfc00],
    ["infinity", Infinity, 0x7c00],
    ["-infinity", -Infinity, 0xfc00],
    ["NaN is the quiet NaN", NaN, 0x7e00],
    ["smallest subnormal 2^-24", 2 ** -24, 0x0001],
    ["2^-25 is a tie between 0 and 2^-24: even is 0", 2 ** -25, 0x0000],
    ["just above 2^-25 rounds up", 2 ** -25 * (1 + 2 ** -20), 0x0001],
    ["3·2^-25 ties to the even 2·2^-24", 3 * 2 ** -25, 0x0002],
    ["largest subnormal 1023·2^-24", 1023 * 2 ** -24, 0x03ff],
    ["smallest normal 2^-14", 2 ** -14, 0x0400],
    ["1023.5·2^-24 ties up into the smallest normal", 1023.5 * 2 ** -24, 0x0400],
    ["1 + 2^-11 ties to even 1", 1 + 2 ** -11, 0x3c00],
    ["1 + 3·2^-11 ties to even 1 + 2^-9", 1 + 3 * 2 ** -11, 0x3c02],
    ["2 - 2^-11 ties to even 2 (0x3BFF is odd)", 2 - 2 ** -11, 0x4000],
  ];
  for (const [name, value, bits] of cases) {
    it(`${name} → ${hex(bits)}`, () => expect(hex(toF16Bits(value))).toBe(hex(bits)));
  }

  it("decodes every finite pattern back to the value that encodes to it", () => {
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromF16Bits(bits);
      const nan = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (nan ? !Number.isNaN(value) : toF16Bits(value) !== bits) wrong.push(hex(bits));
    }
    expect(wrong).toEqual([]);
  });

  it("decodes the landmarks", () => {
    expect(fromF16Bits(0x3c00)).toBe(1);
    expect(fromF16Bits(0x7bff)).toBe(65504);
    expect(fromF16Bits(0x0001)).toBe(2 ** -24);
    expect(fromF16Bits(0x7c00)).toBe(Infinity);
    expect(Object.is(fromF16Bits(0x8000), -0)).toBe(true);
  });
});

describe("bfloat16 (the upper half of a float32, rounded to nearest even from float64)", () => {
  const cases: [string, number, number][] = [
    ["1", 1, 0x3f80],
    ["-1", -1, 0xbf80],
    ["pi", Math.PI, 0x4049],
    ["1.00390625 = 1 + 2^-8 ties to even 1", 1.00390625, 0x3f80],
    ["1 + 3·2^-8 ties to even 1 + 2^-6", 1 + 3 * 2 ** -8, 0x3f82],
    // Through float32 this would round to 1 + 2^-8 first and then tie down to 1: double rounding.
    ["1 + 2^-8 + 2^-40 is above the tie: rounds up", 1 + 2 ** -8 + 2 ** -40, 0x3f81],
    ["max finite (2 - 2^-7)·2^127", (2 - 2 ** -7) * 2 ** 127, 0x7f7f],
    ["(2 - 2^-8)·2^127 ties to even: infinity", (2 - 2 ** -8) * 2 ** 127, 0x7f80],
    ["1e39 overflows", 1e39, 0x7f80],
    ["smallest subnormal 2^-133", 2 ** -133, 0x0001],
    ["2^-134 ties to 0", 2 ** -134, 0x0000],
    ["smallest normal 2^-126", 2 ** -126, 0x0080],
    ["-0", -0, 0x8000],
    ["NaN", NaN, 0x7fc0],
    ["-infinity", -Infinity, 0xff80],
  ];
  for (const [name, value, bits] of cases) {
    it(`${name} → ${hex(bits)}`, () => expect(hex(toBf16Bits(value))).toBe(hex(bits)));
  }

  it("round-trips every finite pattern", () => {
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromBf16Bits(bits);
      if (!Number.isNaN(value) && toBf16Bits(value) !== bits) wrong.push(hex(bits));
    }
    expect(wrong).toEqual([]);
  });

  it("agrees with float32 truncation plus rounding for float32 inputs", () => {
    const view = new DataView(new ArrayBuffer(4));
    const wrong: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const bits32 = Math.imul(i, 0x9e3779b1) >>> 0;
      view.setUint32(0, bits32);
      const value = view.getFloat32(0);
      if (!Number.isFinite(value)) continue;
      const lower = bits32 & 0xffff;
      const upper = bits32 >>> 16;
      const roundUp = lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1);
      if (toBf16Bits(value) !== ((upper + (roundUp ? 1 : 0)) & 0xffff)) wrong.push(String(value));
    }
    expect(wrong).toEqual([]);
  });
});

/** A slow, obviously-right rounding: scale by a power of two, round half to even. */
function referenceBits(x: number, expBits: number, mantBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const expAll = (1 << expBits) - 1;
  const sign = x < 0 || Object.is(x, -0) ? 1 << (expBits + mantBits) : 0;
  if (Number.isNaN(x)) return (expAll << mantBits) | (1 << (mantBits - 1));
  const a = Math.abs(x);
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const even = (v: number) => {
    const f = Math.floor(v);
    return v - f > 0.5 || (v - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  if (e < 1 - bias) return sign | even(a * 2 ** (mantBits - 1 + bias));
  let m = even(a * 2 ** (mantBits - e)) - (1 << mantBits);
  if (m === 1 << mantBits) {
    e++;
    m = 0;
  }
  if (e > bias) return sign | (expAll << mantBits);
  return sign | ((e + bias) << mantBits) | m;
}

describe("the bit-level rounding agrees with a slow reference", () => {
  it("on random doubles across the whole range, and on exact ties", () => {
    const view = new DataView(new ArrayBuffer(8));
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    const wrong: string[] = [];
    for (let i = 0; i < 50000; i++) {
      // Random sign and fraction, exponent within ±40 of 1 so every f16/bf16 regime is hit.
      view.setUint32(0, (next() & 0x800fffff) | ((1023 - 40 + (next() % 81)) << 20));
      view.setUint32(4, next() & (i % 3 === 0 ? 0 : 0xffffffff)); // a third with short fractions: ties
      const x = view.getFloat64(0);
      if (toF16Bits(x) !== referenceBits(x, 5, 10)) wrong.push(`f16 ${x}`);
      if (toBf16Bits(x) !== referenceBits(x, 8, 7)) wrong.push(`bf16 ${x}`);
    }
    expect(wrong).toEqual([]);
  });
});
