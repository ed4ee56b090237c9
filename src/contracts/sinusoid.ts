/**
 * Fixed sinusoidal position tables: which frequency each column holds and whether it is the sine
 * or the cosine. Shared by the reference executor and the kernels' frequency constants.
 *
 * Frequencies, for pair j of a width-d table:
 * - by `base` (Vaswani et al. 2017): f_j = base^(−2j/d);
 * - by timescales (tensor2tensor's get_timing_signal_1d): the timescales 1/f_j are geometrically
 *   spaced from min_timescale (j = 0) to max_timescale (j = n − 1), n = floor(d/2) pairs:
 *   f_j = 1 / (min · (max/min)^(j / max(n − 1, 1))). For min_timescale = 1 this is exactly
 *   tensor2tensor's code; for other values its code multiplies by min_timescale where its
 *   docstring (and this) divides.
 * Layouts: `interleaved` (Vaswani): column 2j = sin(pos · f_j), 2j + 1 = cos; an odd width ends
 * in a sine. `halves` (tensor2tensor, fairseq): columns [0, n) the sines, [n, 2n) the cosines;
 * an odd width ends in a zero column, as tensor2tensor pads.
 */

export const SINUSOID_LAYOUTS = ["interleaved", "halves"] as const;
export type SinusoidLayout = (typeof SINUSOID_LAYOUTS)[number];

/** How a sinusoidal table is built: its frequencies and its layout. */
export interface Sinusoid {
  base: number;
  layout: SinusoidLayout;
  /** [min_timescale, max_timescale]; when set, `base` is not used. */
  timescales: readonly [number, number] | null;
}

/** Angular frequency f_j (radians per position) of pair j of a width-d table. */
export function sinusoidFrequency(s: Omit<Sinusoid, "layout">, d: number, j: number): number {
  if (s.timescales === null) return Math.pow(s.base, (-2 * j) / d);
  const [min, max] = s.timescales;
  const pairs = Math.floor(d / 2);
  return 1 / (min * Math.pow(max / min, j / Math.max(pairs - 1, 1)));
}

/** The pair column c of a width-d table reads and whether it is the cosine; null: a zero column. */
export function sinusoidColumn(
  layout: SinusoidLayout,
  d: number,
  c: number,
): { pair: number; cos: boolean } | null {
  if (layout === "interleaved") return { pair: Math.floor(c / 2), cos: c % 2 === 1 };
  const half = Math.floor(d / 2);
  return c < 2 * half ? { pair: c % half, cos: c >= half } : null;
}

/** The settings of a checked `sinusoidal_positions` node, from its attributes. */
export function sinusoidOfAttrs(attrs: Record<string, unknown>): Sinusoid {
  const min = attrs["min_timescale"];
  const max = attrs["max_timescale"];
  return {
    base: attrs["base"] as number,
    layout: (attrs["layout"] as SinusoidLayout | undefined) ?? "interleaved",
    timescales: typeof min === "number" && typeof max === "number" ? [min, max] : null,
  };
}
