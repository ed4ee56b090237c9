/**
 * q4 rows: blocks of 32 along k, each with an f16 scale, as ggml's q4_0. In each block the element
 * m of largest magnitude sets d = m / −8 (rounded to f16), and every element is stored as
 * q = clamp(floor(w / d + 8.5), 0, 15), so m itself is exact; w ≈ d · (q − 8). A row is the
 * blocks' scales, two a word (block 2i low), then each block's 32 nibbles in four words, element
 * 8j + i of the row at bits 4i of its word j.
 */
import { Q4_BLOCK, rowWords } from "../../contracts/weight-format.ts";
import { fromF16Bits, toF16Bits } from "../weights/dtypes.ts";

/** Packs a [n, k] matrix (row-major) into n · (ceil(k / 64) + k / 8) words; k is a multiple of 32. */
export function packQ4(data: ArrayLike<number>, n: number, k: number): Uint32Array {
  const stride = rowWords("q4", k);
  const blocks = k / Q4_BLOCK;
  const scaleWords = Math.ceil(blocks / 2);
  const words = new Uint32Array(n * stride);
  for (let r = 0; r < n; r++) {
    const row = r * stride;
    for (let b = 0; b < blocks; b++) {
      const start = r * k + b * Q4_BLOCK;
      let m = 0;
      for (let i = 0; i < Q4_BLOCK; i++) {
        const x = data[start + i]!;
        if (Math.abs(x) > Math.abs(m)) m = x;
      }
      const dBits = toF16Bits(m / -8);
      const d = fromF16Bits(dBits);
      words[row + (b >> 1)]! |= dBits << (16 * (b & 1));
      for (let i = 0; i < Q4_BLOCK; i++) {
        const q = d === 0 ? 8 : Math.min(15, Math.max(0, Math.floor(data[start + i]! / d + 8.5)));
        const e = b * Q4_BLOCK + i; // element of the row
        words[row + scaleWords + (e >> 3)]! |= q << (4 * (e & 7));
      }
    }
  }
  return words;
}

/** The values of packed q4 words: [n, k] row-major, each d · (q − 8) rounded to f32 as a kernel computes it. */
export function unpackQ4(words: Uint32Array, n: number, k: number): Float64Array {
  const stride = rowWords("q4", k);
  const scaleWords = Math.ceil(k / Q4_BLOCK / 2);
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const row = r * stride;
    for (let e = 0; e < k; e++) {
      const b = Math.floor(e / Q4_BLOCK);
      const d = fromF16Bits(words[row + (b >> 1)]! >>> (16 * (b & 1)));
      const q = (words[row + scaleWords + (e >> 3)]! >>> (4 * (e & 7))) & 0xf;
      out[r * k + e] = Math.fround(d * (q - 8));
    }
  }
  return out;
}
