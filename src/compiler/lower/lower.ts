import type { Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import type { MatmulTiles } from "../codegen/matmul-tile.ts";
import type { WeightFormats } from "./builder.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import { KernelPlan } from "../../contracts/plan/schema.ts";
import { generationPlan } from "../../contracts/ir/generation-plan.ts";
import { argmaxKernel } from "../codegen/argmax.ts";
import { MAX_TOP_K, topKKernel } from "../codegen/topk.ts";
import { lowerAttention } from "./attention.ts";
import { LoweringError, PlanBuilder } from "./builder.ts";
import { lowerDense, lowerMlp } from "./dense.ts";
import type { Fusions } from "./fusions.ts";
import {
  lowerAddNorm,
  lowerPositions,
  lowerElementwise,
  lowerEmbed,
  lowerMoe,
  lowerNorm,
  lowerPatch,
  lowerPooling,
} from "./glue.ts";
import { lowerMask } from "./masks.ts";
import { lowerL2Normalize, lowerReduction, lowerSlice } from "./reductions.ts";
import { assignSlots } from "./slots.ts";

export interface LowerOptions {
  /** Largest batch the plan's buffers hold (default: the spec's `batch <= N` bound, else 1). */
  maxBatch?: number;
  /**
   * The kind of adapter the tiles are chosen for (default "gpu"): the matmul and attention tiles
   * measured fastest on GPUs, or on SwiftShader's CPU rasteriser (see the kernels' tile notes).
   */
  target?: "gpu" | "cpu";
  /** Matmul tiles measured on the device (`loom tune`); the defaults of `target` when absent. */
  tiles?: MatmulTiles;
  /** The formats of the matmul weights (default: all f32). */
  weightFormats?: WeightFormats;
}

/** Value ids that do not depend on `input` (an encoder's work, done once per sequence). */
function independentOf(ir: TypedIr, input: string | undefined): Set<number> {
  const dependent = new Set<number>(ir.inputs.filter((i) => i.name === input).map((i) => i.value));
  const independent = new Set<number>();
  for (const node of ir.nodes) {
    if (Object.values(node.inputs).some((id) => dependent.has(id))) dependent.add(node.output);
    else independent.add(node.output);
  }
  return input === undefined ? new Set() : independent;
}

/**
 * Lowers a typed IR to a kernel plan: each layer to its fused kernels (QKV and output projections
 * with the residual add folded in, flash attention with RoPE and masks inside, gated MLPs in one
 * matmul, embedding gather with positions), buffers sized at the bounds and shared by lifetime.
 */
export function lowerToPlan(
  ir: TypedIr,
  options: LowerOptions = {},
): { plan?: KernelPlan; diagnostics: Diagnostic[] } {
  const generation = generationPlan(ir);
  const canGenerate = !("error" in generation);
  const stepInput = canGenerate
    ? ir.inputs.find((i) => i.name === generation.stepInput)
    : undefined;
  const step = stepInput ? String(stepInput.shape[1]) : null;
  const batch = String(ir.inputs[0]?.shape[0] ?? "batch");
  const encoderSymbol = ir.symbols.find((s) => s.name !== batch && s.name !== step)?.name ?? null;
  const maxBatch = options.maxBatch ?? ir.symbols.find((s) => s.name === batch)?.bound ?? 1;
  const max = new Map<string, number>([
    [batch, maxBatch],
    ["batch", maxBatch],
  ]);
  const unbounded: string[] = [];
  for (const s of ir.symbols) {
    if (s.name === batch) continue;
    if (s.bound === null) unbounded.push(s.name);
    else max.set(s.name, s.bound);
  }
  const spanOf = (file: string) => ({ file, start: 0, end: 0 });
  const error = (
    message: string,
    node?: TypedIr["nodes"][number],
  ): { diagnostics: Diagnostic[] } => ({
    diagnostics: [
      {
        code: "E0620",
        severity: "error",
        message,
        span: node
          ? { file: node.source.file, start: node.source.start, end: node.source.end }
          : spanOf(ir.inputs[0]?.source.file ?? "spec"),
        label: node ? `\`${node.op}\` here` : "",
        notes: [],
        hint: "`loom run --backend cpu` runs every layer the language has on the CPU reference",
      },
    ],
  });
  if (unbounded.length > 0)
    return error(
      `the dynamic dims ${unbounded.join(", ")} need an upper bound (\`seq <= N\`) so buffers and the KV cache can be sized`,
    );

  const builder = new PlanBuilder(
    ir,
    max,
    independentOf(ir, stepInput?.name),
    options.target ?? "gpu",
    step,
    options.tiles,
    options.weightFormats,
  );
  for (const input of ir.inputs) builder.value(input.value, input.name);
  const fusions: Fusions = { absorbed: new Set() };
  try {
    for (const node of ir.nodes) {
      if (fusions.absorbed.has(node.id)) continue;
      switch (node.op) {
        case "embed":
          lowerEmbed(builder, node, fusions, step);
          break;
        case "layernorm":
        case "rmsnorm":
          lowerNorm(builder, node);
          break;
        case "attention":
        case "cross_attention":
          lowerAttention(builder, node, fusions, step);
          break;
        case "mlp":
          lowerMlp(builder, node, fusions);
          break;
        case "moe":
          lowerMoe(builder, node);
          break;
        case "linear":
        case "classifier":
        case "lm_head":
          lowerDense(builder, node, fusions);
          break;
        case "pooler":
        case "cls_pool":
        case "mean_pool":
          lowerPooling(builder, node);
          break;
        case "patch_embed":
        case "cls_token":
          lowerPatch(builder, node, fusions);
          break;
        case "relative_position_bias":
          break;
        case "sum":
        case "mean":
        case "max":
          lowerReduction(builder, node);
          break;
        case "slice":
          lowerSlice(builder, node);
          break;
        case "l2_normalize":
          lowerL2Normalize(builder, node);
          break;
        case "compare":
        case "to_float":
          lowerMask(builder, node);
          break;
        case "learned_positions":
        case "sinusoidal_positions":
          lowerPositions(builder, node, step);
          break;
        default:
          if (!lowerAddNorm(builder, node, fusions)) lowerElementwise(builder, node);
      }
    }
  } catch (caught) {
    if (!(caught instanceof LoweringError) && !(caught instanceof RangeError)) throw caught;
    return error(caught.message, caught instanceof LoweringError ? caught.node : undefined);
  }

  let generationInfo: KernelPlan["generation"] = null;
  if (canGenerate) {
    const logits = ir.outputs.find((o) => o.name === generation.logitsOutput)!;
    const logitsBuffer = builder.value(logits.value, logits.name);
    const ids = builder.scratch("next_token", maxBatch, "u32");
    const k = Math.min(MAX_TOP_K, generation.vocab);
    const values = builder.scratch("top_k.values", maxBatch * k);
    const indices = builder.scratch("top_k.indices", maxBatch * k, "u32");
    const sizes = { batch: "batch", seq: step! };
    const head = ir.nodes.find((n) => n.output === logits.value)!;
    // The generation heads run only when their result is read back: greedy ids or top-k candidates.
    builder.dispatch(argmaxKernel({ vocab: generation.vocab }), [logitsBuffer, ids], sizes, [head]);
    builder.steps[builder.steps.length - 1]!.readback = "next-token";
    builder.dispatch(
      topKKernel({ vocab: generation.vocab, k }),
      [logitsBuffer, values, indices],
      sizes,
      [head],
    );
    builder.steps[builder.steps.length - 1]!.readback = "top-k";
    generationInfo = {
      stepInput: generation.stepInput,
      logitsOutput: generation.logitsOutput,
      vocab: generation.vocab,
    };
  }

  const plan: KernelPlan = {
    sizes: { batch, step, encoder: encoderSymbol, max: Object.fromEntries(max) },
    kernels: [...builder.kernels.values()],
    buffers: assignSlots(builder.buffers, builder.steps),
    steps: builder.steps,
    generation: generationInfo,
  };
  return { plan: KernelPlan.parse(plan), diagnostics: [] };
}
