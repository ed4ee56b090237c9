/**
 * Packing matmul weights into a bundle's formats and back (src/contracts/weight-format.ts has the
 * row layouts). The compiler packs; the runtime uploads the words as they are and the CPU
 * reference runs on the unpacked values, which are exactly those the kernels compute with.
 */
import type { PackedFormat } from "../../contracts/weight-format.ts";
import { packF16, unpackF16 } from "./f16.ts";
import { packQ4, unpackQ4 } from "./q4.ts";
import { packQ8, unpackQ8 } from "./q8.ts";

const CODECS: Record<
  PackedFormat,
  {
    pack: (data: ArrayLike<number>, n: number, k: number) => Uint32Array;
    unpack: (words: Uint32Array, n: number, k: number) => Float64Array;
  }
> = {
  f16: { pack: packF16, unpack: unpackF16 },
  q8: { pack: packQ8, unpack: unpackQ8 },
  q4: { pack: packQ4, unpack: unpackQ4 },
};

/** Packs a [n, k] matrix (row-major; k packable in `format`) into its words. */
export function packMatrix(
  format: PackedFormat,
  data: ArrayLike<number>,
  shape: readonly number[],
): Uint32Array {
  const [n, k] = shape as [number, number];
  return CODECS[format].pack(data, n, k);
}

/** The [n, k] values (row-major) that packed words stand for. */
export function unpackMatrix(
  format: PackedFormat,
  words: Uint32Array,
  shape: readonly number[],
): Float64Array {
  const [n, k] = shape as [number, number];
  return CODECS[format].unpack(words, n, k);
}

/**
 * The index of the first element a format cannot hold (it packs to an infinity: f16 above 65504,
 * a q4 block whose scale does), or -1.
 */
export function firstUnrepresentable(unpacked: Float64Array): number {
  return unpacked.findIndex((v) => !Number.isFinite(v));
}
