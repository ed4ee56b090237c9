/**
 * q8 rows: int8 per output channel. Each row of W [n, k] has its own scale, amax / 127 as an f32,
 * and k values q = round(w / scale) in −127…127 (halves away from zero); w ≈ scale · q. A row is
 * the scale's f32 bits, then k / 4 words of four bytes, element 4j in the lowest.
 */
import { rowWords } from "../../contracts/weight-format.ts";

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);

/** Packs a [n, k] matrix (row-major) into n · (1 + k / 4) words; k is a multiple of 4. */
export function packQ8(data: ArrayLike<number>, n: number, k: number): Uint32Array {
  const stride = rowWords("q8", k);
  const words = new Uint32Array(n * stride);
  for (let r = 0; r < n; r++) {
    let amax = 0;
    for (let c = 0; c < k; c++) amax = Math.max(amax, Math.abs(data[r * k + c]!));
    const scale = Math.fround(amax / 127);
    f32[0] = scale;
    words[r * stride] = bits[0]!;
    for (let c = 0; c < k; c++) {
      const x = data[r * k + c]!;
      const q = scale === 0 ? 0 : Math.min(127, Math.round(Math.abs(x) / scale)) * Math.sign(x);
      words[r * stride + 1 + (c >> 2)]! |= (q & 0xff) << (8 * (c & 3));
    }
  }
  return words;
}

/** The values of packed q8 words: [n, k] row-major, each scale · q rounded to f32 as a kernel computes it. */
export function unpackQ8(words: Uint32Array, n: number, k: number): Float64Array {
  const stride = rowWords("q8", k);
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    bits[0] = words[r * stride]!;
    const scale = f32[0]!;
    for (let c = 0; c < k; c++) {
      const byte = (words[r * stride + 1 + (c >> 2)]! >>> (8 * (c & 3))) & 0xff;
      out[r * k + c] = Math.fround(scale * ((byte << 24) >> 24));
    }
  }
  return out;
}
