import { dimConst } from "../../../contracts/dims.ts";
import type { Weight } from "../../../contracts/ir/schema.ts";
import { argNotes, argSpan, type Rule } from "../context.ts";
import { MAX_EXPERTS } from "../tensor-size.ts";
import { bool, features, num } from "../operands.ts";

const GATED = new Set(["swiglu", "geglu"]);

/** The weights of one feed-forward network: gate/up/down when gated, up/down otherwise. */
export function ffnWeights(
  prefix: string,
  width: number,
  hidden: number,
  out: number,
  act: string,
  bias: boolean,
): Weight[] {
  const project = (name: string, rows: number, cols: number): Weight[] => [
    { name: `${prefix}${name}.weight`, shape: [rows, cols] },
    ...(bias ? [{ name: `${prefix}${name}.bias`, shape: [rows] }] : []),
  ];
  return [
    ...(GATED.has(act) ? project("gate", hidden, width) : []),
    ...project("up", hidden, width),
    ...project("down", out, hidden),
  ];
}

export const mlp: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  const hidden = num(ctx, "hidden")!;
  const out = num(ctx, "out") ?? x.width;
  const act = ctx.node.attrs["act"] as string;
  const shape = [...x.type.shape.slice(0, -1), dimConst(out)];
  return {
    type: { ...x.type, shape },
    attrs: { ...ctx.node.attrs, out },
    weights: ffnWeights("", x.width, hidden, out, act, bool(ctx, "bias")),
  };
};

export const moe: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  const experts = num(ctx, "experts")!;
  const topK = num(ctx, "top_k")!;
  if (topK > experts) {
    ctx.report(
      "E0310",
      argSpan(ctx, "top_k"),
      `top_k = ${topK} is more than the ${experts} experts`,
      {
        label: `picks ${topK} of ${experts}`,
        notes: argNotes(ctx, "experts", "top_k"),
        hint: `top_k must be between 1 and experts (${experts}); Mixtral uses top_k = 2 of 8`,
      },
    );
    return undefined;
  }
  if (experts > MAX_EXPERTS) {
    ctx.report("E0314", argSpan(ctx, "experts"), `${experts} experts are more than Loom expands`, {
      label: `at most ${MAX_EXPERTS} experts`,
      notes: argNotes(ctx, "experts"),
      hint: "each expert has its own weights; check the experts count",
    });
    return undefined;
  }
  const hidden = num(ctx, "hidden")!;
  const act = ctx.node.attrs["act"] as string;
  const bias = bool(ctx, "bias");
  const shared = num(ctx, "shared_hidden");
  const weights: Weight[] = [{ name: "router.weight", shape: [experts, x.width] }];
  for (let e = 0; e < experts; e++)
    weights.push(...ffnWeights(`experts.${e}.`, x.width, hidden, x.width, act, bias));
  if (shared !== undefined)
    weights.push(...ffnWeights("shared.", x.width, shared, x.width, act, bias));
  return { type: x.type, attrs: { ...ctx.node.attrs }, weights };
};
