/**
 * Element types of safetensors files: byte sizes, and exact conversions between float64 and the
 * float formats Loom reads and writes (F32, F16, BF16; F64 is read too). Every conversion is
 * little-endian and rounds to nearest, ties to even, so the bytes are the same on every machine.
 */

/** Bytes per element of every dtype the safetensors format defines. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** The dtypes Loom can decode into float64. */
export const READABLE_DTYPES = ["F32", "F16", "BF16", "F64"] as const;
export type ReadableDtype = (typeof READABLE_DTYPES)[number];

/** The dtypes Loom writes, as the CLI spells them. */
export const WRITE_DTYPES = ["f32", "f16", "bf16"] as const;
export type WriteDtype = (typeof WRITE_DTYPES)[number];

/** The safetensors name of a write dtype ("f16" → "F16"). */
export function fileDtype(dtype: WriteDtype): "F32" | "F16" | "BF16" {
  return dtype === "f32" ? "F32" : dtype === "f16" ? "F16" : "BF16";
}

export function isReadable(dtype: string): dtype is ReadableDtype {
  return (READABLE_DTYPES as readonly string[]).includes(dtype);
}

/** Rounds to the nearest integer, ties to the even one (x must be non-negative and exact). */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const float64Bits = new DataView(new ArrayBuffer(8));

/**
 * The bits of the IEEE-style binary float with `expBits` exponent and `mantBits` (at most 19)
 * mantissa bits nearest to x (ties to even), with subnormals, signed zeros, infinities and a
 * quiet NaN. Rounds straight from float64's bits, so there is no double rounding through float32.
 */
export function encodeMinifloat(x: number, expBits: number, mantBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const expAll = (1 << expBits) - 1;
  float64Bits.setFloat64(0, x);
  const high = float64Bits.getUint32(0);
  const low = float64Bits.getUint32(4);
  const sign = (high >>> 31) << (expBits + mantBits);
  const exponent64 = (high >>> 20) & 0x7ff;
  if (exponent64 === 0x7ff) {
    const nan = (high & 0xfffff) !== 0 || low !== 0;
    return nan ? (expAll << mantBits) | (1 << (mantBits - 1)) : sign | (expAll << mantBits);
  }
  const e = exponent64 - 1023;
  if (e > bias) return sign | (expAll << mantBits);
  if (e < 1 - bias) {
    // Zero or subnormal: a multiple of 2^(1 - bias - mantBits) (exact scaling by a power of 2);
    // a count of 2^mantBits is the smallest normal number, whose bits are exactly that count.
    return sign | roundHalfEven(Math.abs(x) * 2 ** (mantBits - (1 - bias)));
  }
  // Normal: keep the top mantBits of float64's 52 fraction bits (the top 20 are in `high`) and
  // round on the first dropped bit, the rest being sticky. A carry out of the mantissa bumps
  // the exponent, up to the infinity pattern, as it should.
  const drop = 20 - mantBits;
  const fraction = high & 0xfffff;
  const kept = fraction >>> drop;
  const half = (fraction >>> (drop - 1)) & 1;
  const sticky = (fraction & ((1 << (drop - 1)) - 1)) !== 0 || low !== 0;
  const up = half === 1 && (sticky || (kept & 1) === 1) ? 1 : 0;
  return sign | (((e + bias) << mantBits) + kept + up);
}

/** The value of a binary float's bits (the inverse of encodeMinifloat). */
export function decodeMinifloat(bits: number, expBits: number, mantBits: number): number {
  const bias = (1 << (expBits - 1)) - 1;
  const expAll = (1 << expBits) - 1;
  const sign = (bits >> (expBits + mantBits)) & 1 ? -1 : 1;
  const exponent = (bits >> mantBits) & expAll;
  const mantissa = bits & ((1 << mantBits) - 1);
  if (exponent === expAll) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** (1 - bias - mantBits);
  return sign * (1 + mantissa / 2 ** mantBits) * 2 ** (exponent - bias);
}

/** float64 → IEEE half-precision bits (1.0 → 0x3C00, 65504 → 0x7BFF). */
export function toF16Bits(x: number): number {
  return encodeMinifloat(x, 5, 10);
}

/** float64 → bfloat16 bits (the upper half of a float32, rounded from float64). */
export function toBf16Bits(x: number): number {
  return encodeMinifloat(x, 8, 7);
}

let f16Table: Float64Array | undefined;

/** IEEE half-precision bits → float64 (exact). */
export function fromF16Bits(bits: number): number {
  if (!f16Table) {
    f16Table = new Float64Array(65536);
    for (let b = 0; b < 65536; b++) f16Table[b] = decodeMinifloat(b, 5, 10);
  }
  return f16Table[bits & 0xffff]!;
}

/** bfloat16 bits → float64 (exact). */
export function fromBf16Bits(bits: number): number {
  return decodeMinifloat(bits & 0xffff, 8, 7);
}

/** Decodes `count` little-endian elements of a readable dtype starting at `offset` in `bytes`. */
export function decodeValues(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: ReadableDtype,
): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_BYTES[dtype]!);
  const out = new Float64Array(count);
  switch (dtype) {
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = fromF16Bits(view.getUint16(i * 2, true));
      break;
    case "BF16": {
      // A bfloat16 is the upper half of a float32: widen through a float32 view, exactly.
      const widen = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        widen.setUint32(0, view.getUint16(i * 2, true) << 16, true);
        out[i] = widen.getFloat32(0, true);
      }
      break;
    }
  }
  return out;
}

/** Encodes values as little-endian elements of a write dtype. */
export function encodeValues(values: ArrayLike<number>, dtype: WriteDtype): Uint8Array {
  const size = dtype === "f32" ? 4 : 2;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  if (dtype === "f32") {
    // setFloat32 rounds to nearest, ties to even; NaN is written as the one quiet NaN 0x7FC00000
    // because the NaN bits setFloat32 picks are left to the engine.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) view.setUint32(i * 4, 0x7fc00000, true);
      else view.setFloat32(i * 4, v, true);
    }
  } else {
    const encode = dtype === "f16" ? toF16Bits : toBf16Bits;
    for (let i = 0; i < values.length; i++) view.setUint16(i * 2, encode(values[i]!), true);
  }
  return bytes;
}
