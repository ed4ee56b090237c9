import { sizeOf, type Tensor } from "../../contracts/tensor.ts";

/**
 * y = x Wᵀ + b over the last axis, accumulating in float64.
 * x: [..., in], weight: [out, in] (PyTorch layout), bias: [out] → y: [..., out].
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const inWidth = x.shape[x.shape.length - 1]!;
  const [outWidth, weightIn] = weight.shape as [number, number];
  if (weightIn !== inWidth)
    throw new RangeError(
      `linear: input width ${inWidth} but weight is [${weight.shape.join(", ")}]`,
    );
  const rows = sizeOf(x.shape) / inWidth;
  const out = new Float64Array(rows * outWidth);
  const w = weight.data;
  for (let r = 0; r < rows; r++) {
    const xOffset = r * inWidth;
    for (let o = 0; o < outWidth; o++) {
      let sum = bias ? bias.data[o]! : 0;
      const wOffset = o * inWidth;
      for (let i = 0; i < inWidth; i++) sum += x.data[xOffset + i]! * w[wOffset + i]!;
      out[r * outWidth + o] = sum;
    }
  }
  return { shape: [...x.shape.slice(0, -1), outWidth], data: out };
}

/** Applies f to every element. */
export function map(x: Tensor, f: (v: number) => number): Tensor {
  return { shape: [...x.shape], data: x.data.map(f) };
}

/**
 * Elementwise a ⊙ b with NumPy broadcasting from the last axis, or with `alignLeft` from the
 * first (the shorter shape's axes are the leading ones: a [B, S] mask over [B, S, D]).
 */
export function broadcastBinary(
  a: Tensor,
  b: Tensor,
  f: (x: number, y: number) => number,
  alignLeft = false,
): Tensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const ones = (s: number[]) => new Array<number>(rank - s.length).fill(1);
  const pad = (s: number[]) => (alignLeft ? [...s, ...ones(s)] : [...ones(s), ...s]);
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]!));
  const size = sizeOf(shape);
  const out = new Float64Array(size);
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * sa[d]! + (sa[d] === 1 ? 0 : index[d]!);
      ib = ib * sb[d]! + (sb[d] === 1 ? 0 : index[d]!);
    }
    out[flat] = f(a.data[ia]!, b.data[ib]!);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { shape, data: out };
}
