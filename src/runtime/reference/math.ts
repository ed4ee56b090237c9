/** Scalar functions of the reference executor, accurate to float64 rounding where it matters. */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function: Taylor series near 0, a continued fraction for erfc further out. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a < 2.5) {
    // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated bottom-up.
  let fraction = a;
  for (let k = 60; k >= 1; k--) fraction = a + k / 2 / fraction;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

export const activations: Record<string, (x: number) => number> = {
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x / (1 + Math.exp(-x)),
  tanh: Math.tanh,
};

/** Softmax of `n` values at `data[offset..]`, in place, with the max subtracted first. */
export function softmaxInPlace(data: Float64Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, data[offset + i]!);
  if (max === -Infinity) {
    data.fill(0, offset, offset + n);
    return;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(data[offset + i]! - max);
    data[offset + i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) data[offset + i] = data[offset + i]! / sum;
}
