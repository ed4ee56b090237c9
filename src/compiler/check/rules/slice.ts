/** slice(x, axis, start, end): positions start ≤ i < end of one axis. */
import {
  dimConst,
  dimStatic,
  dimSub,
  dimUpperBound,
  formatDim,
  type Dim,
} from "../../../contracts/dims.ts";
import {
  argNotes,
  argSpan,
  formatShape,
  symbolNotes,
  type Rule,
  type RuleContext,
} from "../context.ts";
import { operand } from "../operands.ts";
import { resolveAxis } from "./reductions.ts";

/** The length start..end of an axis of size `size`, or undefined after reporting E0332/E0333. */
function sliceLength(ctx: RuleContext, size: Dim, start: number, end: number | null) {
  const fixed = dimStatic(size);
  const notes = [
    ...argNotes(ctx, "start", "end"),
    `the axis has size ${formatDim(size)}`,
    ...symbolNotes(ctx, size),
  ];
  if (end !== null && end > 0 && fixed === undefined) {
    ctx.report(
      "E0333",
      argSpan(ctx, "end"),
      `a slice ending at ${end} of the dynamic axis \`${formatDim(size)}\` would be shorter for shorter inputs`,
      {
        label: "a fixed end on a dynamic axis",
        notes,
        hint: `cut the input instead (\`${formatDim(size)} <= ${end} truncate\` in its declaration), or give the end from the back (\`end = -1\`)`,
      },
    );
    return undefined;
  }
  const length =
    end === null
      ? dimSub(size, dimConst(start))
      : end < 0
        ? dimSub(size, dimConst(start - end))
        : dimConst(end - start);
  // On a dynamic axis the longest input (its bound) must keep a position.
  const n = dimStatic(length) ?? dimUpperBound(length, ctx.bounds);
  const past = fixed !== undefined && end !== null && end > fixed;
  if ((n !== undefined && n < 1) || past) {
    ctx.report(
      "E0332",
      argSpan(ctx, end === null ? "start" : "end"),
      `the slice ${start}..${end ?? formatDim(size)} of an axis of size ${formatDim(size)} ${past ? "runs past its end" : "is empty"}`,
      {
        label: past ? "past the end" : "an empty slice",
        notes,
        hint: "keep at least one position: 0 ≤ start < end ≤ the axis size",
      },
    );
    return undefined;
  }
  return length;
}

export const slice: Rule = (ctx) => {
  const x = operand(ctx, "x", { dtype: "float", rank: 1, atLeast: true, axes: "[...]" });
  if (!x) return undefined;
  const axis = resolveAxis(ctx, x.shape);
  if (axis === undefined) return undefined;
  const start = ctx.node.attrs["start"];
  const end = ctx.node.attrs["end"] ?? null;
  for (const [name, value] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (
      value !== null &&
      (!Number.isInteger(value) || (name === "start" && (value as number) < 0))
    ) {
      ctx.report(
        "E0332",
        argSpan(ctx, name),
        `\`${name}\` must be an integer${name === "start" ? " ≥ 0" : ""}, found ${String(value)}`,
        {
          label: "not a position",
          notes: [`x has shape ${formatShape(x.shape)}`],
          hint: "positions count from 0; a negative end counts from the back",
        },
      );
      return undefined;
    }
  }
  const length = sliceLength(ctx, x.shape[axis]!, start as number, end as number | null);
  if (!length) return undefined;
  return {
    type: { ...x, shape: x.shape.map((d, i) => (i === axis ? length : d)) },
    attrs: { ...ctx.node.attrs, axis, end },
    weights: [],
  };
};
