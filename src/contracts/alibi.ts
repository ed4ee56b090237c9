/**
 * ALiBi slopes (Press et al. 2022, "Train Short, Test Long"): head h of n adds
 * −slope_h · |query position − key position| to its attention scores. For n a power of two,
 * slope_h = 2^(−8(h + 1)/n); otherwise, as the paper's code and BLOOM do, the first p heads
 * (p the largest power of two below n) take the slopes of p heads and the other n − p heads
 * every other slope of 2p heads, 2^(−4(2i + 1)/p) for i = h − p.
 */

/** The largest power of two not above `heads` (the slopes' p). */
export function alibiPowerOfTwo(heads: number): number {
  return 2 ** Math.floor(Math.log2(heads));
}

/** The slope of head h of `heads`, in float64. */
export function alibiSlope(head: number, heads: number): number {
  const p = alibiPowerOfTwo(heads);
  return head < p ? 2 ** ((-8 * (head + 1)) / p) : 2 ** ((-4 * (2 * (head - p) + 1)) / p);
}
