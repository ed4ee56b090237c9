import type { Tensor } from "../../contracts/tensor.ts";

/** LayerNorm over the last axis: (x − mean) / √(var + eps) · weight + bias. x: [..., D]. */
export function layerNorm(x: Tensor, eps: number, weight: Tensor, bias?: Tensor): Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const out = new Float64Array(x.data.length);
  for (let offset = 0; offset < x.data.length; offset += d) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x.data[offset + i]!;
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += (x.data[offset + i]! - mean) ** 2;
    variance /= d;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < d; i++) {
      out[offset + i] =
        (x.data[offset + i]! - mean) * inv * weight.data[i]! + (bias ? bias.data[i]! : 0);
    }
  }
  return { shape: [...x.shape], data: out };
}

/** RMSNorm over the last axis: x / √(mean(x²) + eps) · weight. x: [..., D]. */
export function rmsNorm(x: Tensor, eps: number, weight: Tensor): Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const out = new Float64Array(x.data.length);
  for (let offset = 0; offset < x.data.length; offset += d) {
    let meanSquare = 0;
    for (let i = 0; i < d; i++) meanSquare += x.data[offset + i]! ** 2;
    const inv = 1 / Math.sqrt(meanSquare / d + eps);
    for (let i = 0; i < d; i++) out[offset + i] = x.data[offset + i]! * inv * weight.data[i]!;
  }
  return { shape: [...x.shape], data: out };
}
