/**
 * The reduction kernels (sum, mean, max over an axis by name or index, with and without keepdim),
 * slices, l2_normalize, and the mask arithmetic (comparisons, float(), trailing-axis broadcasts, tensor
 * division) on WebGPU against the CPU reference, through whole compiled specs: each plan
 * verified, run, and compared within test/webgpu/differential.ts's tolerance.
 */
import { readFileSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { differential } from "./differential.ts";

const acquired = acquireNodeDevice();
afterAll(async () => (await acquired).device.destroy());

const SPEC = `model reductions {
  dims { vocab = 16, d = 8, ctx = 8 }
  input ids: int[batch, seq <= ctx]
  x = layernorm(embed(ids, vocab, d))
  output total = sum(x, seq)
  output average = mean(x, 1, keepdim = true)
  output top = max(x, -1)
  output unit = l2_normalize(linear(x, d))
  output tail = slice(x, seq, 1)
  output head = slice(x, 1, 0, -2)
  output columns = sum(slice(x, -1, 2, 6), seq)
}`;

/** Masked mean pooling written by hand, from masks made of the ids (7i + 1 mod 16: 1, 8, 15, 6, 13). */
const MASKED = `model masked {
  dims { vocab = 16, d = 8, ctx = 8 }
  input ids: int[batch, seq <= ctx]
  x = layernorm(embed(ids, vocab, d))
  m = float(ids != 8) * float(ids >= 2)
  output pooled = l2_normalize(sum(x * m, seq) / sum(m, seq))
  output shifted = x - m
  output flags = float(7 < ids)
}`;

it.each([
  ["sum, mean, max, l2_normalize and slices", SPEC],
  ["masks from comparisons, float(), a [batch, seq] mask over the width, tensor division", MASKED],
  [
    // With id 8 (the second token here) as the padding id, so the mask masks something.
    "the sentence encoder of the PyTorch parity fixtures, padding id 8",
    readFileSync("test/parity/specs/sentence_encoder.loom", "utf8").replace(
      "tokens != 0",
      "tokens != 8",
    ),
  ],
])(
  "%s agree with the CPU reference",
  async (_, spec) => {
    const { device, kind } = await acquired;
    expect(await differential(device, kind, spec)).toEqual({
      status: "agrees",
      worst: expect.any(Number),
    });
  },
  120_000,
);
