/**
 * A fixed sample of the differential test (tools/differential.ts runs many): 12 tiny random models
 * (test/properties/valid-spec.ts's `tinySpec`, seeds 1–12) compiled for this machine's adapter,
 * their plans verified, run on WebGPU and compared with the CPU reference within
 * test/webgpu/differential.ts's tolerance (1e-3 of each output's scale, justified there).
 */
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { tinySpec } from "../properties/valid-spec.ts";
import { differential } from "./differential.ts";

const acquired = acquireNodeDevice();
afterAll(async () => (await acquired).device.destroy());

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

it.each(SEEDS)(
  "random model of seed %i agrees with the CPU reference",
  async (seed) => {
    const { device, kind } = await acquired;
    const { text } = fc.sample(tinySpec, { seed, numRuns: 1 })[0]!;
    const outcome = await differential(device, kind, text);
    // Every tiny model is one the lowering covers, so each is compared, none skipped.
    expect(outcome, text).toEqual({ status: "agrees", worst: expect.any(Number) });
  },
  120_000,
);
