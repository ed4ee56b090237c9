/**
 * The weights as a bundle stores them: every tensor of a packed weight buffer of the plan (f16,
 * q8 or q4) as its u32 words, the rest as they are (f32).
 */
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { rowWords, type PackedFormat } from "../../contracts/weight-format.ts";
import { firstUnrepresentable, packMatrix, unpackMatrix } from "../../formats/quantize/index.ts";
import type { WordTensor } from "../../formats/weights/safetensors.ts";

/** A weight a format cannot hold: `value` at flat `index` of the tensor `name`. */
export interface Unrepresentable {
  name: string;
  format: PackedFormat;
  index: number;
  value: number;
}

/** The plan's weights as stored: packed ones as words (shape [rows, words per row]). */
export interface PackedWeights {
  /** Every tensor of a packed buffer, by Loom name, with its format. */
  formats: Record<string, PackedFormat>;
  /** The packed tensors' words. */
  words: Map<string, WordTensor>;
  /** The values the packed words stand for (what the kernels and the CPU reference compute with). */
  unpacked: Map<string, Tensor>;
  /** Weights a format cannot hold (E0651); their words hold infinities. */
  unrepresentable: Unrepresentable[];
}

/** The formats the plan's weight buffers give their tensors, by Loom name. */
export function tensorFormats(plan: KernelPlan): Record<string, PackedFormat> {
  const formats: Record<string, PackedFormat> = {};
  for (const buffer of plan.buffers)
    if (buffer.kind === "weight" && buffer.format)
      for (const name of buffer.weights ?? []) formats[name] = buffer.format;
  return formats;
}

/** Packs every tensor the plan's packed weight buffers hold; throws RangeError if one is missing. */
export function packWeights(plan: KernelPlan, weights: ReadonlyMap<string, Tensor>): PackedWeights {
  const formats = tensorFormats(plan);
  const words = new Map<string, WordTensor>();
  const unpacked = new Map<string, Tensor>();
  const unrepresentable: Unrepresentable[] = [];
  for (const [name, format] of Object.entries(formats)) {
    const tensor = weights.get(name);
    if (!tensor) throw new RangeError(`no values for the weight \`${name}\``);
    const [n, k] = tensor.shape as [number, number];
    const packed = packMatrix(format, tensor.data, tensor.shape);
    const values = unpackMatrix(format, packed, tensor.shape);
    const bad = firstUnrepresentable(values);
    if (bad >= 0) unrepresentable.push({ name, format, index: bad, value: tensor.data[bad]! });
    words.set(name, { shape: [n, rowWords(format, k)], words: packed });
    unpacked.set(name, { shape: [...tensor.shape], data: values });
  }
  return { formats, words, unpacked, unrepresentable };
}
