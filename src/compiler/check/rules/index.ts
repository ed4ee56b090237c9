import type { Rule } from "../context.ts";
import { attention, relativePositionBias } from "./attention.ts";
import { compare, elementwise, toFloat, unary } from "./elementwise.ts";
import { clsToken, embed, learnedPositions, patchEmbed, sinusoidalPositions } from "./embedding.ts";
import { classifier, clsPool, linear, lmHead, meanPool, pooler } from "./heads.ts";
import { mlp, moe } from "./mlp.ts";
import { layernorm, rmsnorm } from "./norms.ts";
import { l2Normalize, reduce } from "./reductions.ts";
import { slice } from "./slice.ts";

/** The shape rule of every IR op. */
export const RULES: Record<string, Rule> = {
  embed,
  learned_positions: learnedPositions,
  sinusoidal_positions: sinusoidalPositions,
  patch_embed: patchEmbed,
  cls_token: clsToken,
  layernorm,
  rmsnorm,
  attention,
  cross_attention: attention,
  relative_position_bias: relativePositionBias,
  mlp,
  moe,
  linear,
  lm_head: lmHead,
  classifier,
  pooler,
  cls_pool: clsPool,
  mean_pool: meanPool,
  add: elementwise,
  sub: elementwise,
  mul: elementwise,
  div: elementwise,
  compare,
  to_float: toFloat,
  scale: unary,
  gelu: unary,
  gelu_tanh: unary,
  relu: unary,
  silu: unary,
  tanh: unary,
  softmax: unary,
  l2_normalize: l2Normalize,
  sum: reduce,
  mean: reduce,
  max: reduce,
  slice,
};
