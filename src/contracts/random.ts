/**
 * The seeded random numbers behind `initWeights` and sampling, portable to the bit: integer arithmetic
 * (Math.imul, shifts) and the IEEE basic operations (+, −, ×, ÷, sqrt), which every JavaScript
 * engine rounds the same way. Math.log, Math.cos and Math.sin are not used: engines may differ in
 * their last bit, so the logarithm is computed here from a fixed series.
 *
 * - Stream: mulberry32 (Tommy Ettinger's 32-bit generator), one per tensor.
 * - Seed of a tensor's stream: murmur3's fmix32 over the FNV-1a hash of the tensor's full name
 *   xor the mixed run seed, so each tensor's values depend only on (seed, name), not on order.
 * - Normals: the Box–Muller transform in Marsaglia's polar form, both values of a pair used.
 */

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-8 bytes of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** The stream seed of one tensor: depends on the run seed (a u32) and the tensor's full name. */
export function tensorSeed(seed: number, name: string): number {
  return fmix32(fnv1a(name) ^ fmix32((seed + 0x9e3779b9) >>> 0));
}

/** mulberry32: a 32-bit state, period 2^32, each call one uniform u32. */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uniform integer in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
}

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;
const scratch = new DataView(new ArrayBuffer(8));

/**
 * The natural logarithm of a finite x > 0 from basic operations only: x = m·2^k with m in
 * [√½, √2), ln m = 2·atanh(t) with t = (m − 1)/(m + 1), |t| < 0.172, summed to t^25 (error below
 * 1e-16 relative), so the result is the same on every engine.
 */
export function portableLn(x: number): number {
  let k = 0;
  if (x < 2 ** -1022) {
    x *= 2 ** 54;
    k = -54;
  }
  scratch.setFloat64(0, x);
  const high = scratch.getUint32(0);
  k += ((high >>> 20) & 0x7ff) - 1023;
  scratch.setUint32(0, (high & 0x000fffff) | 0x3ff00000);
  let m = scratch.getFloat64(0);
  if (m > SQRT2) {
    m /= 2;
    k += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let series = 1 / 25;
  for (let j = 11; j >= 0; j--) series = series * t2 + 1 / (2 * j + 1);
  return k * LN2 + 2 * t * series;
}

/** Standard normal numbers from a mulberry32 stream (Box–Muller, Marsaglia's polar form). */
export class NormalStream {
  private readonly uniform: Mulberry32;
  private spare: number | undefined;

  constructor(seed: number) {
    this.uniform = new Mulberry32(seed);
  }

  /** A uniform number in (−1, 1), symmetric about 0. */
  private signed(): number {
    return (this.uniform.nextU32() + 0.5) / 2 ** 31 - 1;
  }

  next(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    for (;;) {
      const u = this.signed();
      const v = this.signed();
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * portableLn(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }
}
