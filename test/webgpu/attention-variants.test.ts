/**
 * Whole tiny models using the attention and position variants of the language — attention with
 * `out =`, ALiBi (causal and not), sinusoids in both layouts with timescales — run on the WebGPU
 * adapter against the CPU reference executor: the forward pass (max relative error ≤ 1e-4, the
 * plan verified first) and, for decoders, greedy generation (the same tokens).
 */
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import { generate } from "../../src/runtime/generate.ts";
import { generationPlan } from "../../src/contracts/ir/generation-plan.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { referenceStepModel } from "../../src/runtime/reference/step-model.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { generateOnDevice } from "../../src/runtime/webgpu/generate.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import { glueDevice, maxRelError } from "./glue-helpers.ts";
import { inputsFor } from "./model-inputs.ts";

const device = await glueDevice();

const DECODERS: Record<string, string> = {
  "sinusoids in both layouts with timescales (in the embedding, and later), attention out = n": `model variants {
  dims { vocab = 50, ctx = 16, d = 16, heads = 2, n = 25 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d)
  x = x + sinusoidal_positions(x, min_timescale = 2, max_timescale = 500)
  y = attention(layernorm(x), heads, causal, out = n)
  y = y + sinusoidal_positions(y, layout = halves, min_timescale = 1, max_timescale = 1e4)
  y = y + mlp(layernorm(y), 2 * n)
  output logits = lm_head(layernorm(y), vocab)
}`,
  "ALiBi, causal, 6 heads (the slopes of a non-power of two)": `model alibi_causal {
  dims { vocab = 50, ctx = 16, d = 24, heads = 6 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d)
  x = x + attention(layernorm(x), heads, causal, alibi)
  output logits = lm_head(layernorm(x), vocab)
}`,
};

const ENCODERS: Record<string, string> = {
  "ALiBi, bidirectional with a padding mask, GQA": `model alibi_encoder {
  dims { vocab = 50, ctx = 16, d = 32, heads = 4 }
  input tokens: int[batch, seq <= ctx]
  input mask: bool[batch, seq]
  x = embed(tokens, vocab, d)
  x = x + attention(layernorm(x), heads, kv_heads = 2, padding = mask, alibi)
  output hidden = layernorm(x)
}`,
};

async function greedy(text: string, ir: ReturnType<typeof typedIr>): Promise<void> {
  const { kind: target } = await acquireNodeDevice();
  const { plan } = lowerToPlan(ir, { target });
  const weights = initWeights(ir, 5);
  const generation = generationPlan(ir);
  if ("error" in generation) throw new Error(`${text}: ${generation.error}`);
  const expected: number[] = [];
  for await (const t of generate(referenceStepModel(ir, weights, generation, {}), [3, 1, 4], {
    maxTokens: 6,
  }))
    expected.push(t);
  const model = await WebGpuModel.load(device!, ir, plan!, weights);
  const produced: number[] = [];
  for await (const t of generateOnDevice(model, [3, 1, 4], { maxTokens: 6 }, {})) produced.push(t);
  model.destroy();
  expect(produced).toEqual(expected);
}

function typedIr(text: string) {
  const ir = checkSpec("variant.loom", () => text).models[0]?.ir;
  if (!ir) throw new Error(`does not check:\n${text}`);
  return ir;
}

async function forward(ir: ReturnType<typeof typedIr>): Promise<void> {
  const { kind: target } = await acquireNodeDevice();
  const lowered = lowerToPlan(ir, { target });
  expect(lowered.diagnostics).toEqual([]);
  expect(verifyPlan(lowered.plan!)).toEqual([]);
  const weights = initWeights(ir, 5);
  const inputs = inputsFor(ir);
  const want = new ReferenceExecutor(ir, weights).run(inputs);
  const model = await WebGpuModel.load(device!, ir, lowered.plan!, weights);
  const { outputs } = await model.forward(inputs);
  model.destroy();
  for (const [name, expected] of Object.entries(want)) {
    expect(outputs[name]?.shape).toEqual(expected.shape);
    expect(maxRelError(outputs[name]!.data, expected.data)).toBeLessThanOrEqual(1e-4);
  }
}

describe.skipIf(!device)("attention and position variants on the device", () => {
  for (const [what, text] of Object.entries(DECODERS)) {
    it(`${what}: the forward pass and greedy generation equal the CPU reference`, async () => {
      const ir = typedIr(text);
      await forward(ir);
      await greedy(what, ir);
    });
  }
  for (const [what, text] of Object.entries(ENCODERS)) {
    it(`${what}: the forward pass equals the CPU reference`, async () => {
      await forward(typedIr(text));
    });
  }
});
