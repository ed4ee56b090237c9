import { type Dim, dimUpperBound } from "../../contracts/dims.ts";
import { argNotes, formatShape, type RuleContext, type RuleResult } from "./context.ts";

/**
 * The most elements one tensor may have: 2^38 f32 values are 1 TiB, more memory than any GPU
 * (or any WebGPU buffer) has. Far below 2^53, so every size Loom computes stays exact.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 38;

/** The most experts a mixture-of-experts layer expands to, each with its own weights. */
export const MAX_EXPERTS = 4096;

/** The most weight tensors a model may have; DeepSeek-V3 (58 layers of 256 experts) has about 45,000. */
export const MAX_WEIGHT_TENSORS = 50_000;

/** Elements of a value's shape at its dims' upper bounds; unbounded dynamic dims count as 1. */
function elementsAtBounds(ctx: RuleContext, shape: readonly Dim[]): number {
  return shape.reduce((n, dim) => n * (dimUpperBound(dim, ctx.bounds) ?? 1), 1);
}

/**
 * Reports (E0314) the first weight, or the output, of a node that no device could hold, and
 * says whether all fit.
 */
export function tensorsFit(ctx: RuleContext, result: RuleResult): boolean {
  const tensors = [
    ...result.weights.map((w) => ({
      what: `weight \`${ctx.node.name}.${w.name}\``,
      shape: `[${w.shape.join(", ")}]`,
      elements: w.shape.reduce((n, d) => n * d, 1),
    })),
    {
      what: "its output",
      shape: formatShape(result.type.shape),
      elements: elementsAtBounds(ctx, result.type.shape),
    },
  ];
  const first = tensors.find((t) => t.elements > MAX_TENSOR_ELEMENTS);
  if (!first) return true;
  ctx.report(
    "E0314",
    ctx.origin.span,
    `\`${ctx.node.op}\` makes a tensor too large for any device`,
    {
      label: `${first.what}: ${first.shape}, ${first.elements.toExponential(2)} elements`,
      notes: [
        "a tensor may have at most 2^38 elements (1 TiB in f32)",
        ...argNotes(ctx, ...Object.keys(ctx.origin.notes)),
      ],
      hint: "check the dims this layer's sizes come from",
    },
  );
  return false;
}
