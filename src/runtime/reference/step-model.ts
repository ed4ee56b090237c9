import type { TypedIr } from "../../contracts/ir/schema.ts";
import type { StepModel } from "../generate.ts";
import type { GenerationPlan } from "../../contracts/ir/generation-plan.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { newDecodeState, ReferenceExecutor, type WeightMap } from "./executor.ts";

/** The reference executor as a StepModel: a KV-cached decoder over one sequence (batch 1). */
export function referenceStepModel(
  ir: TypedIr,
  weights: WeightMap,
  plan: GenerationPlan,
  fixedInputs: Record<string, Tensor>,
): StepModel {
  const executor = new ReferenceExecutor(ir, weights, plan.stepInput);
  const state = newDecodeState();
  return {
    feed(tokens) {
      const step: Tensor = { shape: [1, tokens.length], data: Float64Array.from(tokens) };
      const logits = executor.run({ ...fixedInputs, [plan.stepInput]: step }, state)[
        plan.logitsOutput
      ]!;
      const vocab = logits.shape[2]!;
      return logits.data.slice((tokens.length - 1) * vocab, tokens.length * vocab);
    },
  };
}
