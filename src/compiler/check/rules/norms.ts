import { bool } from "../operands.ts";
import { features } from "../operands.ts";
import type { Rule } from "../context.ts";

export const layernorm: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  const weights = [{ name: "weight", shape: [x.width] }];
  if (bool(ctx, "bias")) weights.push({ name: "bias", shape: [x.width] });
  return { type: x.type, attrs: { ...ctx.node.attrs }, weights };
};

export const rmsnorm: Rule = (ctx) => {
  const x = features(ctx);
  if (!x) return undefined;
  return {
    type: x.type,
    attrs: { ...ctx.node.attrs },
    weights: [{ name: "weight", shape: [x.width] }],
  };
};
