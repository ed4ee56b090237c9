import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { generate } from "../../src/runtime/generate.ts";
import { generationPlan } from "../../src/contracts/ir/generation-plan.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { referenceStepModel } from "../../src/runtime/reference/step-model.ts";
import { argmax } from "../../src/runtime/sampling.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { initWeights } from "../../src/formats/weights/init.ts";

function load(spec: string) {
  const result = checkSpec(spec, (p) => readFileSync(p, "utf8"));
  const ir = result.models[0]!.ir!;
  return { ir, weights: initWeights(ir, 11) };
}

const ids = (values: number[]): Tensor => ({
  shape: [1, values.length],
  data: Float64Array.from(values),
});

/** Greedy decoding the slow, obviously right way: the whole sequence again at every step. */
function naiveGreedy(
  spec: string,
  prompt: number[],
  steps: number,
  fixed: Record<string, Tensor>,
): number[] {
  const { ir, weights } = load(spec);
  const plan = generationPlan(ir);
  if ("error" in plan) throw new Error(plan.error);
  const executor = new ReferenceExecutor(ir, weights);
  const sequence = [...prompt];
  for (let i = 0; i < steps; i++) {
    const logits = executor.run({ ...fixed, [plan.stepInput]: ids(sequence) })[plan.logitsOutput]!;
    const vocab = logits.shape[2]!;
    sequence.push(argmax(logits.data.subarray((sequence.length - 1) * vocab)));
  }
  return sequence.slice(prompt.length);
}

async function cachedGreedy(
  spec: string,
  prompt: number[],
  steps: number,
  fixed: Record<string, Tensor>,
): Promise<number[]> {
  const { ir, weights } = load(spec);
  const plan = generationPlan(ir);
  if ("error" in plan) throw new Error(plan.error);
  const out: number[] = [];
  for await (const token of generate(referenceStepModel(ir, weights, plan, fixed), prompt, {
    maxTokens: steps,
  }))
    out.push(token);
  return out;
}

describe("KV-cached generation", () => {
  const cases: [string, Record<string, Tensor>][] = [
    ["specs/tiny-gpt.loom", {}],
    ["specs/tiny-llama.loom", {}],
    ["specs/tiny-mixtral.loom", {}],
    ["specs/tiny-gptj.loom", {}],
    [
      "specs/tiny-t5.loom",
      { tokens: ids([5, 9, 2, 7]), mask: { shape: [1, 4], data: Float64Array.from([1, 1, 1, 0]) } },
    ],
  ];
  for (const [spec, fixed] of cases) {
    it(`${spec}: greedy tokens equal recomputing the whole sequence each step`, async () => {
      const prompt = [3, 1, 4, 1];
      const expected = naiveGreedy(spec, prompt, 8, fixed);
      expect(await cachedGreedy(spec, prompt, 8, fixed)).toEqual(expected);
    });
  }

  it("stops at a stop token and at the sequence bound", async () => {
    const { ir, weights } = load("specs/tiny-gpt.loom");
    const plan = generationPlan(ir);
    if ("error" in plan) throw new Error(plan.error);
    const first = naiveGreedy("specs/tiny-gpt.loom", [3, 1], 1, {})[0]!;
    const produced: number[] = [];
    for await (const t of generate(referenceStepModel(ir, weights, plan, {}), [3, 1], {
      maxTokens: 10,
      stopTokens: [first],
    }))
      produced.push(t);
    expect(produced).toEqual([first]);
    const bounded: number[] = [];
    for await (const t of generate(referenceStepModel(ir, weights, plan, {}), [3, 1], {
      maxTokens: 10,
      maxPositions: 5,
    }))
      bounded.push(t);
    expect(bounded).toHaveLength(3);
  });

  it("says why an encoder-only model cannot generate", () => {
    const { ir } = load("specs/tiny-bert.loom");
    expect(generationPlan(ir)).toEqual({
      error: expect.stringContaining("no causal self-attention"),
    });
  });
});
