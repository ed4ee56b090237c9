import { type Dim, dimStatic, formatDim } from "../../contracts/dims.ts";
import type { Dtype } from "../../contracts/ir/schema.ts";
import { argSpan, formatShape, symbolNotes, type RuleContext, type TensorType } from "./context.ts";

/** The ops of `+ - * /` and the reductions, whose non-float operands want `float(...)`. */
const ARITHMETIC = new Set(["add", "sub", "mul", "div", "sum", "mean", "max"]);

/** What a layer needs of an operand, as words for the error: "a float tensor [batch, seq, width]". */
export interface OperandNeed {
  dtype: Dtype;
  /** Exact rank, or a minimum rank when `atLeast` is set. */
  rank: number;
  atLeast?: boolean;
  /** Axis names for the message, e.g. ["batch", "seq", "width"]. */
  axes: string;
}

/**
 * The operand `role` if it has the dtype and rank the layer needs; otherwise reports E0311
 * (wrong element type or rank) at the argument and returns undefined.
 */
export function operand(ctx: RuleContext, role: string, need: OperandNeed): TensorType | undefined {
  const t = ctx.inputs[role];
  if (!t) return undefined;
  const rankOk = need.atLeast ? t.shape.length >= need.rank : t.shape.length === need.rank;
  if (t.kind === "tensor" && t.dtype === need.dtype && rankOk) return t;
  const layer = `\`${ctx.node.op}\``;
  ctx.report(
    "E0311",
    argSpan(ctx, role),
    `${layer} needs ${need.dtype === "int" ? "an" : "a"} ${need.dtype} tensor ${need.axes} for \`${role}\`, found ${t.dtype}${formatShape(t.shape)}`,
    {
      label: `${t.dtype}${formatShape(t.shape)}`,
      hint:
        t.dtype !== need.dtype
          ? need.dtype === "int"
            ? "token ids come from an `int` input"
            : need.dtype === "bool"
              ? "a mask comes from a `bool` input, true where a position is real"
              : ARITHMETIC.has(ctx.node.op)
                ? "arithmetic is on floats: `float(mask)` gives 1.0 where a mask is true and 0.0 elsewhere"
                : "pass the hidden states (for example the output of `embed`), not the ids or a mask"
          : `give it a tensor of rank ${need.rank}${need.atLeast ? " or more" : ""}`,
    },
  );
  return undefined;
}

/** The last axis of a shape when it is static; reports E0301 when it is dynamic. */
export function staticWidth(
  ctx: RuleContext,
  role: string,
  shape: readonly Dim[],
): number | undefined {
  const last = shape[shape.length - 1];
  const n = last === undefined ? undefined : dimStatic(last);
  if (n !== undefined) return n;
  ctx.report(
    "E0301",
    argSpan(ctx, role),
    `the width of \`${role}\` must be static, found ${last ? `the dynamic dim \`${formatDim(last)}\`` : "a scalar"}`,
    {
      label: `shape ${formatShape(shape)}`,
      notes: last ? symbolNotes(ctx, last) : [],
      hint: "the last axis carries the features, and weights need its size; make it a dim, not a dynamic symbol",
    },
  );
  return undefined;
}

/** Float [batch, seq, width] hidden states with a static width. */
export function hiddenStates(
  ctx: RuleContext,
  role = "x",
): { type: TensorType; width: number } | undefined {
  const t = operand(ctx, role, { dtype: "float", rank: 3, axes: "[batch, seq, width]" });
  if (!t) return undefined;
  const width = staticWidth(ctx, role, t.shape);
  return width === undefined ? undefined : { type: t, width };
}

/** A float tensor of any rank ≥ 1 whose last axis (the features) is static. */
export function features(
  ctx: RuleContext,
  role = "x",
): { type: TensorType; width: number } | undefined {
  const t = operand(ctx, role, { dtype: "float", rank: 1, atLeast: true, axes: "[..., width]" });
  if (!t) return undefined;
  const width = staticWidth(ctx, role, t.shape);
  return width === undefined ? undefined : { type: t, width };
}

/** A number attribute (already validated by the elaborator). */
export function num(ctx: RuleContext, name: string): number | undefined {
  const v = ctx.node.attrs[name];
  return typeof v === "number" ? v : undefined;
}

export function bool(ctx: RuleContext, name: string): boolean {
  return ctx.node.attrs[name] === true;
}
