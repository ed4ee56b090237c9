import { dimConst, dimEquals, dimStatic, formatDim } from "../../../contracts/dims.ts";
import type { Weight } from "../../../contracts/ir/schema.ts";
import {
  argNotes,
  argSpan,
  formatShape,
  type Rule,
  type RuleContext,
  type TensorType,
} from "../context.ts";
import { bool, hiddenStates, num, operand } from "../operands.ts";

/** How far from `near` the search for divisors looks, so that a huge n costs no more. */
const DIVISOR_SEARCH = 100_000;

/**
 * Up to `count` divisors of n nearest `near`, ascending, for hints: "8, 12 or 16". The search
 * walks outwards from `near` (the smaller first at equal distance), at most DIVISOR_SEARCH steps.
 */
function nearbyDivisors(n: number, near: number, count = 3): number[] {
  const divisors: number[] = [];
  const from = Math.min(near, n);
  for (let distance = 0; distance <= DIVISOR_SEARCH && divisors.length < count; distance++) {
    for (const k of distance === 0 ? [from] : [from - distance, from + distance]) {
      if (k >= 1 && k <= n && n % k === 0 && divisors.length < count) divisors.push(k);
    }
  }
  // 1 divides everything, for the rare n with no divisor within reach of `near`.
  return divisors.length > 0 ? divisors.sort((a, b) => a - b) : [1];
}

function orList(items: (string | number)[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** Where keys and values come from: the memory for cross-attention, x itself otherwise. */
function keySource(
  ctx: RuleContext,
  x: TensorType,
  width: number,
): { type: TensorType; width: number } | undefined {
  if (ctx.node.op !== "cross_attention") return { type: x, width };
  const memory = ctx.inputs["memory"];
  const span = argSpan(ctx, "memory");
  if (
    !memory ||
    memory.kind !== "tensor" ||
    memory.dtype !== "float" ||
    memory.shape.length !== 3
  ) {
    const found = memory ? `${memory.dtype}${formatShape(memory.shape)}` : "nothing";
    ctx.report(
      "E0306",
      span,
      `cross-attention needs the encoder's output as \`memory\`, found ${found}`,
      {
        label: memory ? `${memory.dtype}${formatShape(memory.shape)}` : "no memory",
        hint: "pass the encoder's final hidden states, a float [batch, src_len, width] tensor",
      },
    );
    return undefined;
  }
  if (!dimEquals(memory.shape[0]!, x.shape[0]!)) {
    ctx.report(
      "E0305",
      span,
      `memory batch ${formatDim(memory.shape[0]!)} differs from the query batch ${formatDim(x.shape[0]!)}`,
      {
        label: formatShape(memory.shape),
      },
    );
    return undefined;
  }
  const n = dimStatic(memory.shape[2]!);
  if (n === undefined) {
    ctx.report("E0301", span, "the memory's width must be static", {
      label: formatShape(memory.shape),
    });
    return undefined;
  }
  return { type: memory, width: n };
}

/** Self- and cross-attention: heads, GQA, head_dim, masks, RoPE and position bias. */
export const attention: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  const keys = keySource(ctx, x.type, x.width);
  if (!keys) return undefined;
  const d = x.width;
  const heads = num(ctx, "heads")!;
  const kvHeads = num(ctx, "kv_heads") ?? heads;
  let headDim = num(ctx, "head_dim");
  const xNote = `x has shape ${formatShape(x.type.shape)}, so the width is ${d}`;

  if (headDim === undefined) {
    if (d % heads !== 0) {
      const options = nearbyDivisors(d, heads);
      ctx.report("E0302", argSpan(ctx, "heads"), "attention heads must divide the model width", {
        label: `${d} is not divisible by heads = ${heads}`,
        notes: [xNote, ...argNotes(ctx, "heads")],
        hint: `heads must divide ${d}; ${orList(options)} would give head_dim ${orList(options.map((h) => d / h))} (or set head_dim explicitly)`,
      });
      return undefined;
    }
    headDim = d / heads;
  }
  if (heads % kvHeads !== 0) {
    const options = nearbyDivisors(heads, kvHeads);
    ctx.report(
      "E0303",
      argSpan(ctx, "kv_heads"),
      `kv_heads = ${kvHeads} does not divide heads = ${heads}`,
      {
        label: `${heads} query heads cannot be shared evenly by ${kvHeads} key/value heads`,
        notes: argNotes(ctx, "heads", "kv_heads"),
        hint: `kv_heads must divide heads; ${orList(options)} would work (1 is multi-query, ${heads} is multi-head)`,
      },
    );
    return undefined;
  }
  const theta = ctx.node.attrs["rope"];
  if (typeof theta === "number" && headDim % 2 !== 0) {
    ctx.report(
      "E0304",
      argSpan(ctx, "rope"),
      `RoPE needs an even head_dim, but head_dim is ${headDim}`,
      {
        label: "rotates pairs of channels",
        notes: [
          xNote,
          `head_dim = ${headDim}${num(ctx, "head_dim") === undefined ? ` = ${d} / ${heads}` : ""}`,
          ...argNotes(ctx, "heads", "head_dim"),
        ],
        hint: `choose heads (or head_dim) so that head_dim is even, e.g. head_dim = ${headDim + 1}`,
      },
    );
    return undefined;
  }
  const keySeq = keys.type.shape[1]!;
  const batch = x.type.shape[0]!;
  const padding = ctx.inputs["padding"];
  if (padding) {
    const mask = operand(ctx, "padding", { dtype: "bool", rank: 2, axes: "[batch, keys]" });
    if (!mask) return undefined;
    if (!dimEquals(mask.shape[0]!, batch) || !dimEquals(mask.shape[1]!, keySeq)) {
      ctx.report(
        "E0312",
        argSpan(ctx, "padding"),
        `the padding mask ${formatShape(mask.shape)} does not match the keys [${formatDim(batch)}, ${formatDim(keySeq)}]`,
        {
          label: `mask ${formatShape(mask.shape)}`,
          notes: [
            ctx.node.op === "cross_attention"
              ? `keys come from memory ${formatShape(keys.type.shape)}`
              : `keys come from x ${formatShape(x.type.shape)}`,
          ],
          hint: "a padding mask covers the sequence attention reads keys from (the encoder's, for cross-attention)",
        },
      );
      return undefined;
    }
  }
  const bias = ctx.inputs["position_bias"];
  if (bias && bias.heads !== heads) {
    ctx.report(
      "E0313",
      argSpan(ctx, "position_bias"),
      `the position bias has ${bias.heads} heads, but this attention has ${heads}`,
      {
        label: `bias for ${bias.heads} heads`,
        notes: argNotes(ctx, "heads"),
        hint: `build it with relative_position_bias(${heads}, …)`,
      },
    );
    return undefined;
  }

  if (bias && ctx.node.attrs["alibi"] === true) {
    ctx.report(
      "E0214",
      argSpan(ctx, "alibi"),
      "attention has two position biases: ALiBi and a relative position bias",
      {
        label: "ALiBi biases",
        related: [{ span: argSpan(ctx, "position_bias"), label: "and a relative position bias" }],
        hint: "keep one: `alibi` (fixed slopes per head) or `position_bias = …` (a learned T5 table)",
      },
    );
    return undefined;
  }

  const keyWidth = keys.width;
  const out = num(ctx, "out") ?? d;
  const withBias = bool(ctx, "bias");
  const project = (name: string, rows: number, cols: number): Weight[] => [
    { name: `${name}.weight`, shape: [rows, cols] },
    ...(withBias ? [{ name: `${name}.bias`, shape: [rows] }] : []),
  ];
  const weights = [
    ...project("q", heads * headDim, d),
    ...project("k", kvHeads * headDim, keyWidth),
    ...project("v", kvHeads * headDim, keyWidth),
    ...project("o", out, heads * headDim),
  ];
  const scale = num(ctx, "scale") ?? 1 / Math.sqrt(headDim);
  return {
    type: { ...x.type, shape: [...x.type.shape.slice(0, -1), dimConst(out)] },
    attrs: { ...ctx.node.attrs, kv_heads: kvHeads, head_dim: headDim, scale, out },
    weights,
  };
};

export const relativePositionBias: Rule = (ctx) => {
  const heads = num(ctx, "heads")!;
  const buckets = num(ctx, "buckets")!;
  return {
    type: { kind: "position_bias", dtype: "float", shape: [], heads },
    attrs: { ...ctx.node.attrs },
    weights: [{ name: "weight", shape: [buckets, heads] }],
  };
};
