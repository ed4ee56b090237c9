import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import type { TypedIr } from "../contracts/ir/schema.ts";
import type { Tensor } from "../contracts/tensor.ts";
import { InputError } from "./inputs.ts";

/**
 * A PNG as the model's image input: float[1, C, H, W] with values in [0, 1] (pixel / 255), one
 * channel as the mean of R, G and B (times alpha), three as RGB. An image of another size is
 * resampled to H × W by nearest neighbour, and the caller is told.
 */
export function readPngInput(
  ir: TypedIr,
  path: string,
  note: (message: string) => void,
): { name: string; tensor: Tensor } {
  const input = ir.inputs.find((i) => i.dtype === "float" && i.shape.length === 4);
  if (!input)
    throw new InputError(
      `model \`${ir.model}\` has no image input (float[batch, channels, height, width]); --image needs one`,
    );
  const [, channels, height, width] = input.shape;
  if (
    typeof channels !== "number" ||
    typeof height !== "number" ||
    typeof width !== "number" ||
    (channels !== 1 && channels !== 3)
  ) {
    throw new InputError(
      `input \`${input.name}\` [${input.shape.join(", ")}] needs static 1 or 3 channels and a static size for --image`,
    );
  }
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (error) {
    throw new InputError(`cannot read "${path}" as a PNG: ${(error as Error).message}`);
  }
  if (png.width !== width || png.height !== height) {
    note(
      `note: ${path} is ${png.width}×${png.height}; resampled to ${width}×${height} (nearest neighbour)`,
    );
  }
  const data = new Float64Array(channels * height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(png.width - 1, Math.floor(((x + 0.5) * png.width) / width));
      const sy = Math.min(png.height - 1, Math.floor(((y + 0.5) * png.height) / height));
      const at = (sy * png.width + sx) * 4;
      const alpha = png.data[at + 3]! / 255;
      const rgb = [0, 1, 2].map((c) => (png.data[at + c]! / 255) * alpha);
      if (channels === 1) data[y * width + x] = (rgb[0]! + rgb[1]! + rgb[2]!) / 3;
      else rgb.forEach((v, c) => (data[(c * height + y) * width + x] = v));
    }
  }
  return { name: input.name, tensor: { shape: [1, channels, height, width], data } };
}
