/**
 * Reference reductions over one axis (sum, mean, max), l2_normalize over the last axis, and
 * slices of one axis.
 */
import { sizeOf, type Tensor } from "../../contracts/tensor.ts";

export type Reduction = "sum" | "mean" | "max";

/**
 * x [outer, n, inner] (the axis `axis` of x is n) reduced over n: out [outer, inner], or with
 * keepdim the same values under x's shape with that axis 1. max of an empty axis is -∞.
 */
export function reduceAxis(x: Tensor, axis: number, keepdim: boolean, op: Reduction): Tensor {
  const n = x.shape[axis]!;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const out = new Float64Array(outer * inner); // [outer, inner]
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === "max" ? -Infinity : 0;
      for (let k = 0; k < n; k++) {
        const v = x.data[(o * n + k) * inner + i]!;
        acc = op === "max" ? Math.max(acc, v) : acc + v;
      }
      out[o * inner + i] = op === "mean" ? acc / n : acc;
    }
  }
  const shape = keepdim
    ? x.shape.map((d, i) => (i === axis ? 1 : d))
    : x.shape.filter((_, i) => i !== axis);
  return { shape, data: out };
}

/** x [..., D] → x / max(‖x‖₂, eps) per row of D (torch.nn.functional.normalize, p = 2). */
export function l2Normalize(x: Tensor, eps: number): Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const out = new Float64Array(x.data.length);
  for (let base = 0; base < out.length; base += d) {
    let squares = 0;
    for (let c = 0; c < d; c++) squares += x.data[base + c]! ** 2;
    const norm = Math.max(Math.sqrt(squares), eps);
    for (let c = 0; c < d; c++) out[base + c] = x.data[base + c]! / norm;
  }
  return { shape: [...x.shape], data: out };
}

/**
 * x [outer, n, inner] → [outer, end − start, inner]: positions start ≤ k < end of axis `axis`
 * (a negative end counts from the back, null is n). Throws RangeError when the input is too short.
 */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number | null): Tensor {
  const n = x.shape[axis]!;
  const stop = end === null ? n : end < 0 ? n + end : end;
  if (stop <= start || stop > n)
    throw new RangeError(
      `slice ${start}..${end ?? "end"} of an axis of ${n} positions keeps none of them`,
    );
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const kept = stop - start;
  const out = new Float64Array(outer * kept * inner); // [outer, kept, inner]
  for (let o = 0; o < outer; o++)
    out.set(x.data.subarray((o * n + start) * inner, (o * n + stop) * inner), o * kept * inner);
  return { shape: x.shape.map((d, i) => (i === axis ? kept : d)), data: out };
}
