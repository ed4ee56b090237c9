/**
 * f16 rows: two IEEE halves a u32 word, element 2j in the low half (the layout WGSL's
 * `unpack2x16float` reads). Rounded to nearest, ties to even.
 */
import { fromF16Bits, toF16Bits } from "../weights/dtypes.ts";

/** Packs a [n, k] matrix (row-major) into n · k / 2 words; k is even. */
export function packF16(data: ArrayLike<number>, n: number, k: number): Uint32Array {
  const words = new Uint32Array((n * k) / 2);
  for (let j = 0; j < words.length; j++)
    words[j] = (toF16Bits(data[2 * j]!) | (toF16Bits(data[2 * j + 1]!) << 16)) >>> 0;
  return words;
}

/** The values of packed f16 words: [n, k] row-major, float64 (exact). */
export function unpackF16(words: Uint32Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let j = 0; j < out.length / 2; j++) {
    out[2 * j] = fromF16Bits(words[j]! & 0xffff);
    out[2 * j + 1] = fromF16Bits(words[j]! >>> 16);
  }
  return out;
}
