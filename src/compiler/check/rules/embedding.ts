import { dimAdd, dimConst, dimStatic, formatDim } from "../../../contracts/dims.ts";
import type { Weight } from "../../../contracts/ir/schema.ts";
import {
  argNotes,
  argSpan,
  formatShape,
  symbolNotes,
  upperBound,
  type Rule,
  type RuleContext,
} from "../context.ts";
import { hiddenStates, num, operand } from "../operands.ts";

/** "a" or "an", for the word that follows. */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** The embed node a `tied_to` names, or undefined after reporting E0307 (or when it failed). */
export function tiedEmbedding(
  ctx: RuleContext,
): { name: string; vocab: number; width: number } | undefined {
  const name = ctx.node.attrs["tied_to"];
  if (typeof name !== "string") return undefined;
  const target = ctx.nodeByName(name);
  const span = argSpan(ctx, "tied_to");
  const labelSpan = ctx.origin.labelSpans["tied_to"];
  if (!target && ctx.nodeFailed(name)) return undefined;
  if (!target || target.node.op !== "embed") {
    const what = target ? `${article(target.node.op)} \`${target.node.op}\` layer` : "a block call";
    ctx.report("E0307", span, `\`tied_to\` must name an embedding, but \`${name}\` is ${what}`, {
      label: "not an embed layer",
      ...(labelSpan ? { related: [{ span: labelSpan, label: "labelled here" }] } : {}),
      hint: "tie to the label of an `embed(...) as name` layer",
    });
    return undefined;
  }
  const vocab = target.result.attrs["vocab"] as number;
  const width = target.result.attrs["width"] as number;
  return { name: target.result.tiedTo ?? target.node.name, vocab, width };
}

/** Reports E0307 when a tied layer's given size differs from the embedding's. */
export function tiedMismatch(
  ctx: RuleContext,
  what: string,
  given: number,
  expected: number,
  span: ReturnType<typeof argSpan>,
  notes: string[],
): void {
  const labelSpan = ctx.origin.labelSpans["tied_to"];
  ctx.report(
    "E0307",
    span,
    `tied ${what} ${given} differs from the embedding's ${what} ${expected}`,
    {
      label: `${what} ${given}`,
      notes,
      ...(labelSpan
        ? { related: [{ span: labelSpan, label: `embedding with ${what} ${expected}` }] }
        : {}),
      hint: `a tied layer reuses the [vocab, width] table, so its ${what} must be ${expected}`,
    },
  );
}

export const embed: Rule = (ctx) => {
  const ids = operand(ctx, "ids", { dtype: "int", rank: 1, atLeast: true, axes: "[batch, seq]" });
  if (!ids) return undefined;
  let vocab = num(ctx, "vocab");
  let width = num(ctx, "width");
  const tied = tiedEmbedding(ctx);
  if (ctx.node.attrs["tied_to"] !== null && !tied) return undefined;
  if (tied) {
    if (vocab !== undefined && vocab !== tied.vocab) {
      tiedMismatch(ctx, "vocab", vocab, tied.vocab, argSpan(ctx, "vocab"), argNotes(ctx, "vocab"));
      return undefined;
    }
    if (width !== undefined && width !== tied.width) {
      tiedMismatch(ctx, "width", width, tied.width, argSpan(ctx, "width"), argNotes(ctx, "width"));
      return undefined;
    }
    vocab = tied.vocab;
    width = tied.width;
  }
  if (vocab === undefined || width === undefined) {
    const missing = vocab === undefined ? "vocab" : "width";
    ctx.report(
      "E0207",
      ctx.origin.callee,
      `\`embed\` needs \`${missing}\` unless it is tied to another embedding`,
      {
        label: `\`${missing}\` missing`,
        hint: "write `embed(tokens, vocab, d)`, or `embed(tokens, tied_to = label)` to share a table",
      },
    );
    return undefined;
  }
  const weights: Weight[] = tied ? [] : [{ name: "weight", shape: [vocab, width] }];
  return {
    type: { kind: "tensor", dtype: "float", shape: [...ids.shape, dimConst(width)] },
    attrs: { ...ctx.node.attrs, vocab, width },
    weights,
    ...(tied ? { tiedTo: tied.name } : {}),
  };
};

export const learnedPositions: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  const maxLen = num(ctx, "max_len")!;
  const seq = x.type.shape[1]!;
  const bound = upperBound(ctx, seq);
  const notes = argNotes(ctx, "max_len");
  if (bound === undefined || bound > maxLen) {
    const unbounded = bound === undefined;
    ctx.report(
      "E0309",
      argSpan(ctx, "max_len"),
      unbounded
        ? `the sequence \`${formatDim(seq)}\` has no upper bound, but the position table has ${maxLen} rows`
        : `the sequence can reach ${bound} positions, but the position table has ${maxLen} rows`,
      {
        label: `table of ${maxLen} positions`,
        notes: [`x has shape ${formatShape(x.type.shape)}`, ...symbolNotes(ctx, seq), ...notes],
        hint: unbounded
          ? `bound the sequence where it is declared: \`${formatDim(seq)} <= ${maxLen}\``
          : `bound the sequence by ${maxLen} in the input (\`seq <= ${maxLen}\`), or make the table at least ${bound} rows`,
      },
    );
    return undefined;
  }
  return {
    type: { kind: "tensor", dtype: "float", shape: [seq, dimConst(x.width)] },
    attrs: { ...ctx.node.attrs },
    weights: [{ name: "weight", shape: [maxLen, x.width] }],
  };
};

/** tensor2tensor's defaults for a timescale left out. */
const TIMESCALES = { min_timescale: 1, max_timescale: 1e4 };

/**
 * The timescales of a sinusoid, defaults filled in when one of them is written, or null when it
 * uses `base`; undefined after reporting E0215 or E0320.
 */
function timescales(ctx: RuleContext): { min: number; max: number } | null | undefined {
  const written = (["min_timescale", "max_timescale"] as const).filter(
    (n) => ctx.origin.args[n] !== undefined,
  );
  if (written.length > 0 && ctx.origin.args["base"] !== undefined) {
    ctx.report(
      "E0215",
      argSpan(ctx, "base"),
      `\`base\` and \`${written[0]}\` both set the sinusoid's frequencies`,
      {
        label: "frequencies from base",
        related: [{ span: argSpan(ctx, written[0]!), label: "and from timescales" }],
        hint: "keep `base` (timescales base^(2j/width)) or the timescales (spaced geometrically from min_timescale to max_timescale)",
      },
    );
    return undefined;
  }
  const [min, max] = (["min_timescale", "max_timescale"] as const).map(
    (n) => num(ctx, n) ?? TIMESCALES[n],
  ) as [number, number];
  const values = written.length > 0 ? { min_timescale: min, max_timescale: max } : {};
  const bad = Object.entries({ base: num(ctx, "base")!, ...values }).find(([, v]) => !(v > 0));
  if (bad || min > max) {
    const [name, value] = bad ?? ["min_timescale", min];
    ctx.report(
      "E0320",
      argSpan(ctx, name),
      bad
        ? `\`${name}\` must be positive, found ${value}`
        : `min_timescale ${min} is larger than max_timescale ${max}`,
      {
        label: bad ? `${name} = ${value}` : `min_timescale = ${min}`,
        notes: argNotes(ctx, "base", "min_timescale", "max_timescale"),
        hint: bad
          ? "a wavelength is positive: the usual base is 10000, the usual timescales 1 to 10000"
          : "the timescales run from min_timescale (the fastest pair) up to max_timescale",
      },
    );
    return undefined;
  }
  return written.length > 0 ? { min, max } : null;
}

export const sinusoidalPositions: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  const scales = timescales(ctx);
  if (scales === undefined) return undefined;
  return {
    type: { kind: "tensor", dtype: "float", shape: [x.type.shape[1]!, dimConst(x.width)] },
    attrs: {
      ...ctx.node.attrs,
      ...(scales ? { min_timescale: scales.min, max_timescale: scales.max } : {}),
    },
    weights: [],
  };
};

export const patchEmbed: Rule = (ctx) => {
  const image = operand(ctx, "image", {
    dtype: "float",
    rank: 4,
    axes: "[batch, channels, height, width]",
  });
  if (!image) return undefined;
  const patch = num(ctx, "patch")!;
  const width = num(ctx, "width")!;
  const [batch, channelsDim, heightDim, widthDim] = image.shape;
  const sizes = [channelsDim!, heightDim!, widthDim!].map(dimStatic);
  if (sizes.some((s) => s === undefined)) {
    ctx.report(
      "E0301",
      argSpan(ctx, "image"),
      `patch_embed needs static channels, height and width, found ${formatShape(image.shape)}`,
      {
        label: "dynamic image size",
        hint: "declare the image size with dims, e.g. `float[batch, 3, image, image]`",
      },
    );
    return undefined;
  }
  const [channels, height, imageWidth] = sizes as number[];
  for (const [side, size] of [
    ["height", height!],
    ["width", imageWidth!],
  ] as const) {
    if (size % patch !== 0) {
      const near = [Math.floor(size / patch) * patch, Math.ceil(size / patch) * patch].filter(
        (n) => n > 0,
      );
      ctx.report(
        "E0308",
        argSpan(ctx, "patch"),
        `image ${side} ${size} is not divisible by patch size ${patch}`,
        {
          label: `patch ${patch}`,
          notes: [`image has shape ${formatShape(image.shape)}`, ...argNotes(ctx, "patch")],
          hint: `use a patch size that divides ${size}, or an image ${side} of ${near.join(" or ")}`,
        },
      );
      return undefined;
    }
  }
  const patches = (height! / patch) * (imageWidth! / patch);
  if (!Number.isSafeInteger(patches)) {
    ctx.report("E0301", argSpan(ctx, "image"), `the image has too many patches: ${patches}`, {
      label: `image ${formatShape(image.shape)}`,
      hint: "use a smaller image or a larger patch",
    });
    return undefined;
  }
  return {
    type: { kind: "tensor", dtype: "float", shape: [batch!, dimConst(patches), dimConst(width)] },
    attrs: { ...ctx.node.attrs, channels: channels! },
    weights: [
      { name: "weight", shape: [width, channels!, patch, patch] },
      { name: "bias", shape: [width] },
    ],
  };
};

export const clsToken: Rule = (ctx) => {
  const x = hiddenStates(ctx);
  if (!x) return undefined;
  const [batch, seq] = x.type.shape;
  return {
    type: {
      kind: "tensor",
      dtype: "float",
      shape: [batch!, dimAdd(seq!, dimConst(1)), dimConst(x.width)],
    },
    attrs: { ...ctx.node.attrs },
    weights: [{ name: "weight", shape: [1, 1, x.width] }],
  };
};
