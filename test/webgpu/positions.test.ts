import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { generate } from "../../src/runtime/generate.ts";
import { generationPlan } from "../../src/contracts/ir/generation-plan.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { referenceStepModel } from "../../src/runtime/reference/step-model.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { generateOnDevice } from "../../src/runtime/webgpu/generate.ts";
import { sinusoidalFrequencies } from "../../src/compiler/codegen/embed.ts";
import { positionRowsKernel, type PositionRows } from "../../src/compiler/codegen/positions.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import {
  glueDevice,
  maxRelError,
  randomF32,
  reference,
  run,
  tensorOf,
  uniform,
} from "./glue-helpers.ts";

const device = await glueDevice();

describe.skipIf(!device)("position rows at past + s vs the reference", () => {
  const cases: [PositionRows, number, number][] = [
    [{ kind: "learned", maxLen: 40 }, 7, 0],
    [{ kind: "learned", maxLen: 40 }, 1, 23],
    [{ kind: "sinusoidal", base: 10000 }, 5, 0],
    [{ kind: "sinusoidal", base: 500 }, 3, 4093],
    [{ kind: "sinusoidal", base: 10000, layout: "halves", timescales: [1, 1e4] }, 3, 4093],
    [{ kind: "sinusoidal", base: 10000, timescales: [2, 500] }, 4, 17],
  ];
  for (const [positions, seq, past] of cases) {
    it(`${JSON.stringify(positions)}, seq ${seq}, past ${past}`, async () => {
      const d = 33;
      const next = uniform(seq + past);
      const table = randomF32(40 * d, () => next());
      const data: Record<string, Float32Array> =
        positions.kind === "learned"
          ? { positions: table, out: new Float32Array(seq * d) }
          : {
              frequencies: sinusoidalFrequencies(d, positions.base, positions.timescales),
              out: new Float32Array(seq * d),
            };
      const { out } = await run(positionRowsKernel({ d, positions }), data, { seq, past });
      const x = tensorOf([1, seq, d], new Float64Array(seq * d));
      const want =
        positions.kind === "learned"
          ? reference("learned_positions", {}, { x }, { weight: tensorOf([40, d], table) }, past)
          : reference(
              "sinusoidal_positions",
              {
                base: positions.base,
                layout: positions.layout ?? "interleaved",
                min_timescale: positions.timescales?.[0] ?? null,
                max_timescale: positions.timescales?.[1] ?? null,
              },
              { x },
              {},
              past,
            );
      expect(maxRelError(out!, want.data)).toBeLessThanOrEqual(2e-6);
    });
  }
});

/** Decoders whose positions are added after a norm, not to the embedding itself. */
const SPECS: Record<string, string> = {
  learned: `model late_learned {
  dims { vocab = 50, ctx = 24, d = 32, heads = 4 }
  input tokens: int[batch, seq <= ctx]
  x = rmsnorm(embed(tokens, vocab, d) as wte)
  x = x + learned_positions(x, ctx)
  x = x + attention(layernorm(x), heads, causal)
  output logits = lm_head(layernorm(x), tied_to = wte)
}`,
  sinusoidal: `model late_sinusoid {
  dims { vocab = 50, ctx = 24, d = 32, heads = 4 }
  input tokens: int[batch, seq <= ctx]
  x = layernorm(embed(tokens, vocab, d) as wte)
  x = x + sinusoidal_positions(x)
  x = x + attention(layernorm(x), heads, causal)
  output logits = lm_head(layernorm(x), tied_to = wte)
}`,
};

describe.skipIf(!device)("positions added after the embedding, on the device", () => {
  for (const [kind, text] of Object.entries(SPECS)) {
    it(`${kind}: the forward pass and greedy generation equal the CPU reference`, async () => {
      const { kind: target } = await acquireNodeDevice();
      const ir = checkSpec(`${kind}.loom`, () => text).models[0]!.ir!;
      const lowered = lowerToPlan(ir, { target });
      expect(lowered.diagnostics).toEqual([]);
      const weights = initWeights(ir, 5);
      const tokens = { shape: [1, 6], data: Float64Array.from([3, 1, 4, 1, 5, 9]) };
      const want = new ReferenceExecutor(ir, weights).run({ tokens })["logits"]!;
      const model = await WebGpuModel.load(device!, ir, lowered.plan!, weights);
      const got = (await model.forward({ tokens })).outputs["logits"]!;
      expect(maxRelError(got.data, want.data)).toBeLessThanOrEqual(1e-4);
      model.destroy();

      const generation = generationPlan(ir);
      if ("error" in generation) throw new Error(generation.error);
      const expected: number[] = [];
      for await (const t of generate(referenceStepModel(ir, weights, generation, {}), [3, 1, 4], {
        maxTokens: 8,
      }))
        expected.push(t);
      const fresh = await WebGpuModel.load(device!, ir, lowered.plan!, weights);
      const produced: number[] = [];
      for await (const t of generateOnDevice(fresh, [3, 1, 4], { maxTokens: 8 }, {}))
        produced.push(t);
      fresh.destroy();
      expect(produced).toEqual(expected);
    });
  }
});
