/**
 * The reduction kernels (sum, mean, max over an axis by name or index, with and without keepdim)
 * and l2_normalize on WebGPU against the CPU reference, through whole compiled specs: each plan
 * verified, run, and compared within test/webgpu/differential.ts's tolerance.
 */
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
}`;

it("sum, mean, max and l2_normalize agree with the CPU reference", async () => {
  const { device, kind } = await acquired;
  expect(await differential(device, kind, SPEC)).toEqual({
    status: "agrees",
    worst: expect.any(Number),
  });
}, 120_000);
