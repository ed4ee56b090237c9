/**
 * Every tiny spec of every family, compiled to a kernel plan and run on the WebGPU adapter this
 * machine has (SwiftShader on a CPU), against the CPU reference executor on the same weights and
 * inputs; and greedy generation on the device against the reference's greedy tokens.
 * Tolerance: f32 kernels vs the float64 reference, max |a − b| / max(1, |b|) ≤ 1e-4.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleInputs } from "../../src/api/inputs.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import {
  CPU_DECODE_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
  CPU_SMALL_MATMUL_TILE,
  type MatmulTiles,
} from "../../src/compiler/codegen/matmul-tile.ts";
import { generate } from "../../src/runtime/generate.ts";
import { generationPlan } from "../../src/contracts/ir/generation-plan.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { referenceStepModel } from "../../src/runtime/reference/step-model.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { generateOnDevice } from "../../src/runtime/webgpu/generate.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import { inputsFor } from "./model-inputs.ts";

let device: GPUDevice;
let target: "gpu" | "cpu";
beforeAll(async () => {
  const acquired = await acquireNodeDevice();
  device = acquired.device;
  target = acquired.kind;
}, 60_000);
afterAll(() => device?.destroy());

function typedIr(spec: string): TypedIr {
  const ir = checkSpec(spec, (p) => readFileSync(p, "utf8")).models[0]?.ir;
  if (!ir) throw new Error(`${spec} does not check`);
  return ir;
}

function maxRelativeError(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

const SPECS = [
  "specs/tiny-gpt.loom",
  "specs/tiny-llama.loom",
  "specs/tiny-mixtral.loom",
  "specs/tiny-gptj.loom",
  "specs/tiny-gemma.loom",
  "specs/tiny-sandwich.loom",
  "specs/tiny-bert.loom",
  "specs/tiny-t5.loom",
  "specs/tiny-transformer.loom",
  "specs/tiny-vit.loom",
  "specs/tiny-vit-mean.loom",
];

describe("WebGPU forward pass equals the CPU reference", () => {
  for (const spec of SPECS) {
    it(spec, async () => {
      const ir = typedIr(spec);
      const { plan, diagnostics } = lowerToPlan(ir, { target });
      expect(diagnostics).toEqual([]);
      const weights = initWeights(ir, 7);
      const inputs = inputsFor(ir);
      const reference = new ReferenceExecutor(ir, weights).run(inputs);
      const model = await WebGpuModel.load(device, ir, plan!, weights);
      const { outputs } = await model.forward(inputs);
      model.destroy();
      for (const [name, expected] of Object.entries(reference)) {
        expect(outputs[name]?.shape).toEqual(expected.shape);
        const error = maxRelativeError(outputs[name]!.data, expected.data);
        console.log(`${spec} ${name}: max relative error ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});

describe("greedy generation on the device equals the CPU reference's tokens", () => {
  const cases: [string, (ir: TypedIr) => Record<string, Tensor>][] = [
    ["specs/tiny-gpt.loom", () => ({})],
    ["specs/tiny-llama.loom", () => ({})],
    ["specs/tiny-mixtral.loom", () => ({})],
    [
      "specs/tiny-t5.loom",
      () => ({
        tokens: { shape: [1, 4], data: Float64Array.from([5, 9, 2, 7]) },
        mask: { shape: [1, 4], data: Float64Array.from([1, 1, 1, 0]) },
      }),
    ],
  ];
  // Measured tiles give every matmul of a GPU plan a prefill and a decode kernel, so the
  // per-phase steps run too (on CPU adapters the tiny specs' matmuls take one kernel each).
  const phaseTiles: MatmulTiles = {
    plain: CPU_SMALL_MATMUL_TILE,
    gated: CPU_GATED_MATMUL_TILE,
    decode: CPU_DECODE_MATMUL_TILE,
  };
  const runs = [
    ...cases.map(([spec, fixed]) => ({ spec, fixed, tiles: undefined, title: spec })),
    {
      spec: "specs/tiny-llama.loom",
      fixed: cases[1]![1],
      tiles: phaseTiles,
      title: "specs/tiny-llama.loom with a prefill and a decode kernel per matmul",
    },
  ];
  for (const { spec, fixed, tiles, title } of runs) {
    it(title, async () => {
      const ir = typedIr(spec);
      const weights = initWeights(ir, 3);
      const plan = lowerToPlan(ir, tiles ? { target: "gpu", tiles } : { target }).plan!;
      if (tiles) expect(plan.steps.some((s) => s.when === "decode")).toBe(true);
      const generation = generationPlan(ir);
      if ("error" in generation) throw new Error(generation.error);
      const prompt = [3, 1, 4, 1];
      const expected: number[] = [];
      for await (const t of generate(
        referenceStepModel(ir, weights, generation, fixed(ir)),
        prompt,
        { maxTokens: 8 },
      ))
        expected.push(t);
      const model = await WebGpuModel.load(device, ir, plan, weights);
      const produced: number[] = [];
      for await (const t of generateOnDevice(model, prompt, { maxTokens: 8 }, fixed(ir)))
        produced.push(t);
      model.destroy();
      expect(produced).toEqual(expected);
    });
  }
});

describe("device limits at load", () => {
  it("refuses a buffer larger than the device can bind, naming it and the limit, before allocating", async () => {
    const source = `model huge {
  dims { vocab = 4194304, d = 128 }
  input tokens: int[batch, seq <= 8]
  output logits = lm_head(embed(tokens, vocab, d) as wte, tied_to = wte)
}`;
    const ir = checkSpec("huge.loom", () => source).models[0]!.ir!;
    const plan = lowerToPlan(ir, { target }).plan!;
    await expect(WebGpuModel.load(device, ir, plan, new Map())).rejects.toThrow(
      /buffer `wte\.weight` needs 2,147,483,648 bytes, but this device binds at most/,
    );
  });
});
