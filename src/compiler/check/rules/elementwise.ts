import { type Dim, dimEquals, dimStatic } from "../../../contracts/dims.ts";
import { argSpan, formatShape, type Rule, type RuleContext } from "../context.ts";
import { operand } from "../operands.ts";

const OPERATOR: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/" };
const VERB: Record<string, string> = {
  add: "add",
  sub: "subtract",
  mul: "multiply",
  div: "divide",
};

/** NumPy broadcasting, aligned from the last axis; undefined when an axis pair cannot meet. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 1; i <= rank; i++) {
    const x = a[a.length - i];
    const y = b[b.length - i];
    if (x === undefined) out.unshift(y!);
    else if (y === undefined) out.unshift(x);
    else if (dimEquals(x, y)) out.unshift(x);
    else if (dimStatic(x) === 1) out.unshift(y);
    else if (dimStatic(y) === 1) out.unshift(x);
    else return undefined;
  }
  return out;
}

/**
 * The shape of a op b when NumPy broadcasting fails but the shorter shape is the leading axes of
 * the longer one: a [batch, seq] mask over [batch, seq, width] values, broadcast over the
 * trailing axes (`align: "left"` in the node's attributes).
 */
export function leadingBroadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === long.length) return undefined;
  return short.every((d, i) => dimEquals(d, long[i]!)) ? [...long] : undefined;
}

function floatOperand(ctx: RuleContext, role: string) {
  return operand(ctx, role, { dtype: "float", rank: 0, atLeast: true, axes: "[...]" });
}

/** x + y, x - y, x * y: residual adds, gates and position sums. */
export const elementwise: Rule = (ctx) => {
  const a = floatOperand(ctx, "a");
  const b = floatOperand(ctx, "b");
  if (!a || !b) return undefined;
  const numpy = broadcast(a.shape, b.shape);
  const leading = numpy ? undefined : leadingBroadcast(a.shape, b.shape);
  const shape = numpy ?? leading;
  if (!shape) {
    const widthA = a.shape[a.shape.length - 1];
    const widthB = b.shape[b.shape.length - 1];
    const widths =
      widthA && widthB && !dimEquals(widthA, widthB) && a.shape.length === b.shape.length;
    const verb = VERB[ctx.node.op]!;
    ctx.report(
      "E0305",
      argSpan(ctx, "b"),
      widths
        ? `cannot ${verb} tensors of different widths (${formatShape(a.shape)} ${OPERATOR[ctx.node.op]} ${formatShape(b.shape)})`
        : `cannot ${verb} tensors of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      {
        label: `has shape ${formatShape(b.shape)}`,
        related: [{ span: argSpan(ctx, "a"), label: `has shape ${formatShape(a.shape)}` }],
        hint: widths
          ? "a residual path must keep the width: give the branch an output of the same width (`out = …` on attention or mlp sets it; or add a `linear` projection)"
          : "shapes broadcast when, from the last axis, each pair of sizes is equal or one of them is 1, or when one shape is the leading axes of the other (a [batch, seq] mask over [batch, seq, d])",
      },
    );
    return undefined;
  }
  return {
    type: { kind: "tensor", dtype: "float", shape },
    attrs: { ...ctx.node.attrs, ...(leading ? { align: "left" } : {}) },
    weights: [],
  };
};

/** `x > 0` and friends: a bool tensor of x's shape. */
export const compare: Rule = (ctx) => {
  const x = ctx.inputs["x"];
  if (!x) return undefined;
  return { type: { ...x, dtype: "bool" }, attrs: { ...ctx.node.attrs }, weights: [] };
};

/** float(x): the same values as floats. */
export const toFloat: Rule = (ctx) => {
  const x = ctx.inputs["x"];
  if (!x) return undefined;
  return { type: { ...x, dtype: "float" }, attrs: { ...ctx.node.attrs }, weights: [] };
};

/** Activations and scaling: same shape out as in. */
export const unary: Rule = (ctx) => {
  const x = floatOperand(ctx, "x");
  if (!x) return undefined;
  return { type: x, attrs: { ...ctx.node.attrs }, weights: [] };
};
