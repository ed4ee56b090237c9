/**
 * Weight formats of a bundle's matmul weights and embedding tables, and how many u32 words a packed [n, k] matrix
 * takes. Every format packs each row of W ([out, in], PyTorch's layout) on its own, so the words
 * of matrices concatenated along rows (a fused QKV) are their packed words concatenated.
 *
 * Row layouts (k along the row; words are little-endian u32):
 * - f16: k / 2 words; word j holds elements 2j (low half) and 2j + 1 (high half) as IEEE halves.
 * - q8: 1 + k / 4 words; word 0 is the row's scale (f32 bits), word 1 + j holds elements
 *   4j … 4j + 3 as two's-complement bytes, lowest byte first; w = scale · q.
 * - q4: ceil(k / 64) + k / 8 words; first the blocks' f16 scales, two a word (block 2i low, 2i + 1
 *   high), then block b's 32 elements in words b·4 … b·4 + 3, eight nibbles a word, lowest first;
 *   w = scale · (nibble − 8).
 */

/** The formats a matmul weight can have in a bundle; "f32" is unpacked. */
export const WEIGHT_FORMATS = ["f32", "f16", "q8", "q4"] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];
/** The packed formats (stored as u32 words). */
export type PackedFormat = Exclude<WeightFormat, "f32">;

/** Elements per q4 block: one f16 scale each. */
export const Q4_BLOCK = 32;

export function isWeightFormat(value: unknown): value is WeightFormat {
  return typeof value === "string" && (WEIGHT_FORMATS as readonly string[]).includes(value);
}

/**
 * Whether a row of k elements can be packed in `format`: the kernels read W four elements at a
 * time, and q4 in whole blocks, so k must be a multiple of 4 (q4: of 32).
 */
export function packable(format: PackedFormat, k: number): boolean {
  return Number.isSafeInteger(k) && k > 0 && k % (format === "q4" ? Q4_BLOCK : 4) === 0;
}

/** u32 words of one packed row of k elements (k packable). */
export function rowWords(format: PackedFormat, k: number): number {
  switch (format) {
    case "f16":
      return k / 2;
    case "q8":
      return 1 + k / 4;
    case "q4":
      return Math.ceil(k / (2 * Q4_BLOCK)) + k / 8;
  }
}

/** u32 words of a packed matrix of shape [n, k] (k packable). */
export function packedWords(format: PackedFormat, shape: readonly number[]): number {
  const [n, k] = shape as [number, number];
  return n * rowWords(format, k);
}
