/**
 * WGSL pieces shared by the attention kernels and the KV-cache append kernel: f32 literals,
 * the RoPE inverse-frequency table, and T5's relative-position bucket.
 */

import { alibiPowerOfTwo } from "../../contracts/alibi.ts";
import { relativePositionBucket } from "../../contracts/position-buckets.ts";

/** An f32 WGSL literal of x, rounded to f32 once on the host (9 significant digits round-trip). */
export function f32Literal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite f32: ${x}`);
  const f = Math.fround(x);
  if (Number.isInteger(f) && Math.abs(f) < 1e15) return `${f}.0`;
  return f.toPrecision(9);
}

/**
 * RoPE's inverse frequencies theta^(−2i/hd) for i in [0, hd/2), computed in float64 on the host and
 * rounded to f32 once (the reference evaluates the same power in float64).
 */
export function ropeInverseFrequencies(headDim: number, theta: number): number[] {
  if (headDim % 2 !== 0) throw new RangeError(`RoPE needs an even head_dim, got ${headDim}`);
  return Array.from({ length: headDim / 2 }, (_, i) => Math.pow(theta, (-2 * i) / headDim));
}

/** T5 relative-position bias settings (those of the reference's relativePositionBucket). */
export interface PositionBias {
  /** Number of buckets (rows of the bias table [buckets, heads]). */
  buckets: number;
  /** Distance at which the log-spaced buckets end (beyond it, the last bucket). */
  maxDistance: number;
  /** Whether keys before and after the query get separate buckets (encoder) or not (decoder). */
  bidirectional: boolean;
}

/**
 * Thresholds of the log-spaced buckets: entry j is the smallest distance (up to maxLen) whose bucket
 * is at least maxExact + 1 + j, or 0xffffffff when no distance up to maxLen reaches it. They are
 * found with the reference's own relativePositionBucket in float64, so the WGSL bucket, which only
 * compares integers against them, equals the reference's for every distance a cache of maxLen
 * positions can hold (no f32 logarithm, so no off-by-one at bucket edges).
 */
export function bucketThresholds(bias: PositionBias, maxLen: number): number[] {
  const n = bias.bidirectional ? Math.floor(bias.buckets / 2) : bias.buckets;
  const maxExact = Math.floor(n / 2);
  if (maxExact < 1)
    throw new RangeError(`relative position bias needs at least 2 buckets per side`);
  const thresholds: number[] = new Array<number>(Math.max(0, n - 1 - maxExact)).fill(0xffffffff);
  let next = 0;
  for (let distance = maxExact; distance <= maxLen && next < thresholds.length; distance++) {
    // Both directions share the in-side mapping of distance; relative = −distance has base 0.
    const bucket = relativePositionBucket(
      -distance,
      bias.bidirectional,
      bias.buckets,
      bias.maxDistance,
    );
    while (next < thresholds.length && bucket >= maxExact + 1 + next) thresholds[next++] = distance;
  }
  return thresholds;
}

/**
 * WGSL for `fn t5_bucket(relative: i32) -> u32` (relative = key position − query position),
 * equal to relativePositionBucket for |relative| ≤ maxLen. Its constants are named BUCKET_*.
 */
export function bucketWgsl(bias: PositionBias, maxLen: number): string {
  const n = bias.bidirectional ? Math.floor(bias.buckets / 2) : bias.buckets;
  const maxExact = Math.floor(n / 2);
  const thresholds = bucketThresholds(bias, maxLen);
  const lines = [
    `// T5 relative position buckets: ${bias.buckets} buckets, max distance ${bias.maxDistance}, ${bias.bidirectional ? "bidirectional" : "unidirectional"}.`,
    `const BUCKET_SIDE: u32 = ${n}u; // buckets per side (all of them when unidirectional)`,
    `const BUCKET_EXACT: u32 = ${maxExact}u; // BUCKET_SIDE / 2 distances get a bucket each`,
    `const BUCKET_STEPS: u32 = ${thresholds.length}u; // log-spaced buckets above the exact ones`,
  ];
  if (thresholds.length > 0) {
    lines.push(
      `// smallest distance of bucket BUCKET_EXACT + 1 + j, found with the float64 reference formula`,
      `const BUCKET_THRESHOLDS = array<u32, ${thresholds.length}>(${thresholds.map((t) => `${t}u`).join(", ")});`,
    );
  }
  lines.push(
    `fn t5_bucket(relative: i32) -> u32 {`,
    bias.bidirectional
      ? `  let base = select(0u, BUCKET_SIDE, relative > 0);\n  let distance = u32(abs(relative));`
      : `  let base = 0u;\n  let distance = u32(max(-relative, 0));`,
    `  if (distance < BUCKET_EXACT) { return base + distance; }`,
    `  var bucket = BUCKET_EXACT;`,
  );
  if (thresholds.length > 0) {
    lines.push(
      `  for (var j = 0u; j < BUCKET_STEPS; j++) {`,
      `    if (distance >= BUCKET_THRESHOLDS[j]) { bucket += 1u; }`,
      `  }`,
    );
  }
  lines.push(`  return base + min(bucket, BUCKET_SIDE - 1u);`, `}`);
  return lines.join("\n");
}

/**
 * WGSL for `fn rope_sincos(a: vec4<f32>) -> SinCos` (fields s, c): sin and cos accurate to a few
 * f32 ulps for |a| up to ~10⁵. The built-ins are not enough: SwiftShader's are off by ~2e-4 even
 * within [−π, π] (WGSL allows it). Reduction by π/2 in three parts (Cody–Waite), then Cephes'
 * minimax polynomials on [−π/4, π/4], then the quadrant's swap and signs.
 */
export const SINCOS_WGSL = `struct SinCos { s: vec4<f32>, c: vec4<f32> }
fn rope_sincos(a: vec4<f32>) -> SinCos {
  let k = round(a * 0.636619772); // a / (π / 2)
  // r = a − k·π/2, with π/2 = 1.5703125 + 4.837512969970703125e-4 + 7.54978995489188216e-8
  let r = ((a - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let r2 = r * r;
  let sin_r = r + r * r2 * (-1.6666654611e-1 + r2 * (8.3321608736e-3 + r2 * -1.9515295891e-4));
  let cos_r = 1.0 - 0.5 * r2
    + r2 * r2 * (4.166664568298827e-2 + r2 * (-1.388731625493765e-3 + r2 * 2.443315711809948e-5));
  let quadrant = vec4<i32>(k) & vec4<i32>(3);
  let swap = (quadrant & vec4<i32>(1)) == vec4<i32>(1);
  let s = select(sin_r, cos_r, swap);
  let c = select(cos_r, sin_r, swap);
  let c_negative = (quadrant == vec4<i32>(1)) | (quadrant == vec4<i32>(2));
  return SinCos(select(s, -s, quadrant >= vec4<i32>(2)), select(c, -c, c_negative));
}`;

/**
 * WGSL for `fn alibi_slope(head: u32) -> f32`, ALiBi's slope of a head (src/contracts/alibi.ts):
 * 2^(−8(h + 1)/p) for h < p, the largest power of two not above `heads`, else 2^(−4(2(h − p) + 1)/p).
 * The slopes are computed, not a const array: Tint copies a dynamically indexed const array per
 * invocation (see SINUSOID_WGSL in embed.ts).
 */
export function alibiWgsl(heads: number): string {
  return [
    `// ALiBi (Press et al.): score − alibi_slope(head) · |query position − key position|.`,
    `const ALIBI_P: u32 = ${alibiPowerOfTwo(heads)}u; // the largest power of two not above HEADS`,
    `fn alibi_slope(head: u32) -> f32 {`,
    `  if (head < ALIBI_P) { return exp2(-8.0 * f32(head + 1u) / f32(ALIBI_P)); }`,
    `  return exp2(-4.0 * f32(2u * (head - ALIBI_P) + 1u) / f32(ALIBI_P));`,
    `}`,
  ].join("\n");
}
