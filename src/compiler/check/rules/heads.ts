import { dimConst, dimEquals, formatDim } from "../../../contracts/dims.ts";
import type { Weight } from "../../../contracts/ir/schema.ts";
import { argNotes, argSpan, formatShape, type Rule } from "../context.ts";
import { bool, features, hiddenStates, num, operand } from "../operands.ts";
import { tiedEmbedding, tiedMismatch } from "./embedding.ts";

function dense(name: string, rows: number, cols: number, bias: boolean): Weight[] {
  return [
    { name: `${name}weight`, shape: [rows, cols] },
    ...(bias ? [{ name: `${name}bias`, shape: [rows] }] : []),
  ];
}

export const linear: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  const out = num(ctx, "out")!;
  return {
    type: { ...x.type, shape: [...x.type.shape.slice(0, -1), dimConst(out)] },
    attrs: { ...ctx.node.attrs },
    weights: dense("", out, x.width, bool(ctx, "bias")),
  };
};

export const classifier: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  const classes = num(ctx, "classes")!;
  return {
    type: { ...x.type, shape: [...x.type.shape.slice(0, -1), dimConst(classes)] },
    attrs: { ...ctx.node.attrs },
    weights: dense("", classes, x.width, bool(ctx, "bias")),
  };
};

export const lmHead: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  let vocab = num(ctx, "vocab");
  const tied = tiedEmbedding(ctx);
  if (ctx.node.attrs["tied_to"] !== null && !tied) return undefined;
  if (tied) {
    if (x.width !== tied.width) {
      tiedMismatch(ctx, "width", x.width, tied.width, argSpan(ctx, "x"), [
        `x has shape ${formatShape(x.type.shape)}`,
      ]);
      return undefined;
    }
    if (vocab !== undefined && vocab !== tied.vocab) {
      tiedMismatch(ctx, "vocab", vocab, tied.vocab, argSpan(ctx, "vocab"), argNotes(ctx, "vocab"));
      return undefined;
    }
    vocab = tied.vocab;
  }
  if (vocab === undefined) {
    ctx.report(
      "E0207",
      ctx.origin.callee,
      "`lm_head` needs `vocab` unless it is tied to an embedding",
      {
        label: "`vocab` missing",
        hint: "write `lm_head(x, vocab)` or `lm_head(x, tied_to = wte)`",
      },
    );
    return undefined;
  }
  const bias = bool(ctx, "bias");
  const weights = tied
    ? bias
      ? [{ name: "bias", shape: [vocab] }]
      : []
    : dense("", vocab, x.width, bias);
  return {
    type: { ...x.type, shape: [...x.type.shape.slice(0, -1), dimConst(vocab)] },
    attrs: { ...ctx.node.attrs, vocab },
    weights,
    ...(tied ? { tiedTo: tied.name } : {}),
  };
};

/** [batch, seq, width] → [batch, width]. */
function pooled(shape: readonly ReturnType<typeof dimConst>[]) {
  return [shape[0]!, shape[2]!];
}

export const pooler: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  return {
    type: { ...x.type, shape: pooled(x.type.shape) },
    attrs: { ...ctx.node.attrs },
    weights: dense("dense.", x.width, x.width, true),
  };
};

export const clsPool: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  return {
    type: { ...x.type, shape: pooled(x.type.shape) },
    attrs: { ...ctx.node.attrs },
    weights: [],
  };
};

export const meanPool: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  if (ctx.inputs["padding"]) {
    const mask = operand(ctx, "padding", { dtype: "bool", rank: 2, axes: "[batch, seq]" });
    if (!mask) return undefined;
    const [batch, seq] = x.type.shape;
    if (!dimEquals(mask.shape[0]!, batch!) || !dimEquals(mask.shape[1]!, seq!)) {
      ctx.report(
        "E0312",
        argSpan(ctx, "padding"),
        `the padding mask ${formatShape(mask.shape)} does not match x's [${formatDim(batch!)}, ${formatDim(seq!)}]`,
        {
          label: `mask ${formatShape(mask.shape)}`,
          notes: [`x has shape ${formatShape(x.type.shape)}`],
          hint: `a padding mask covers x's sequence: declare it as bool[${formatDim(batch!)}, ${formatDim(seq!)}]`,
        },
      );
      return undefined;
    }
  }
  return {
    type: { ...x.type, shape: pooled(x.type.shape) },
    attrs: { ...ctx.node.attrs },
    weights: [],
  };
};
