/** Reductions over one axis (sum, mean, max) and l2_normalize over the last axis. */
import { dimConst, formatDim } from "../../../contracts/dims.ts";
import { argNotes, argSpan, formatShape, type Rule, type RuleContext } from "../context.ts";
import { features, operand } from "../operands.ts";

/**
 * The index of the axis that `axis` names in a shape of `rank` axes: a number counts from the
 * front (negative from the back); a string is a dim's text, matched against each axis.
 * Reports E0330 (no such axis) or E0331 (several axes of that size) and returns undefined.
 */
export function resolveAxis(ctx: RuleContext, shape: readonly ReturnType<typeof dimConst>[]) {
  const axis = ctx.node.attrs["axis"];
  const rank = shape.length;
  const span = argSpan(ctx, "axis");
  const notes = [...argNotes(ctx, "axis"), `x has shape ${formatShape(shape)}`];
  if (typeof axis === "number") {
    if (Number.isInteger(axis) && axis >= -rank && axis < rank)
      return axis < 0 ? axis + rank : axis;
    ctx.report("E0330", span, `axis ${axis} is outside x's ${rank} axes`, {
      label: `axis ${axis}`,
      notes,
      hint: `an index of a rank-${rank} tensor is between ${-rank} and ${rank - 1}`,
    });
    return undefined;
  }
  const matches = shape.flatMap((dim, i) => (formatDim(dim) === axis ? [i] : []));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    ctx.report("E0330", span, `no axis of x has size ${String(axis)}`, {
      label: `not an axis of ${formatShape(shape)}`,
      notes,
      hint: `name one of x's axes (${shape.map(formatDim).join(", ")}) or give an index`,
    });
  } else {
    ctx.report("E0331", span, `axes ${matches.join(" and ")} of x both have size ${String(axis)}`, {
      label: "ambiguous axis",
      notes,
      hint: `give the axis by its index: ${matches.join(" or ")}`,
    });
  }
  return undefined;
}

/** sum, mean, max over one axis; the axis is dropped, or kept with size 1 under keepdim. */
export const reduce: Rule = (ctx) => {
  const x = operand(ctx, "x", { dtype: "float", rank: 1, atLeast: true, axes: "[...]" });
  if (!x) return undefined;
  const axis = resolveAxis(ctx, x.shape);
  if (axis === undefined) return undefined;
  const keep = ctx.node.attrs["keepdim"] === true;
  const shape = keep
    ? x.shape.map((d, i) => (i === axis ? dimConst(1) : d))
    : x.shape.filter((_, i) => i !== axis);
  return {
    type: { ...x, shape },
    attrs: { ...ctx.node.attrs, axis, keepdim: keep },
    weights: [],
  };
};

/** l2_normalize: same shape out; the last axis must be static (the kernel bakes its width). */
export const l2Normalize: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  return { type: x.type, attrs: { ...ctx.node.attrs }, weights: [] };
};
