import type { TypedIr, TypedNode, Weight } from "../../contracts/ir/schema.ts";

/** The component kinds parameters are grouped by. */
export const CATEGORIES = ["embeddings", "attention", "mlp", "norms", "heads"] as const;
export type Category = (typeof CATEGORIES)[number] | "other";

const CATEGORY_OF: Record<string, Category> = {
  embed: "embeddings",
  learned_positions: "embeddings",
  sinusoidal_positions: "embeddings",
  patch_embed: "embeddings",
  cls_token: "embeddings",
  relative_position_bias: "embeddings",
  attention: "attention",
  cross_attention: "attention",
  mlp: "mlp",
  moe: "mlp",
  layernorm: "norms",
  rmsnorm: "norms",
  lm_head: "heads",
  classifier: "heads",
  pooler: "heads",
  linear: "heads",
};

/** The scope key of nodes outside any repeat or block. */
export const TOP_LEVEL = "(top level)";

/** Parameters per component, each weight counted once (a tied layer owns no copy of the table). */
export interface Components {
  /** By layer kind: embeddings, attention, mlp, norms, heads (and "other" when some op has none of these). */
  byCategory: Record<string, number>;
  /** By top-level scope: each repeat or block called at the top (`h`, `encoder`), and TOP_LEVEL. */
  byScope: Record<string, number>;
}

/** The category an op's parameters are counted under. */
export function categoryOf(op: string): Category {
  return CATEGORY_OF[op] ?? "other";
}

/** The top-level scope of a node name: `h` for `h.3.attention`, TOP_LEVEL for `wte`. */
export function scopeOf(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? TOP_LEVEL : name.slice(0, dot);
}

export function weightSize(weight: Weight): number {
  return weight.shape.reduce((a, b) => a * b, 1);
}

/** The parameters a node owns. Tied nodes list no weights for the shared table, so none is counted twice. */
export function nodeParameters(node: TypedNode): number {
  return node.weights.reduce((sum, w) => sum + weightSize(w), 0);
}

/** The model's parameter count and its split by category and by top-level scope. */
export function countParameters(ir: TypedIr): { parameters: number; components: Components } {
  const byCategory: Record<string, number> = Object.fromEntries(CATEGORIES.map((c) => [c, 0]));
  const byScope: Record<string, number> = {};
  let parameters = 0;
  for (const node of ir.nodes) {
    const n = nodeParameters(node);
    parameters += n;
    const category = categoryOf(node.op);
    if (n > 0 || category !== "other") byCategory[category] = (byCategory[category] ?? 0) + n;
    const scope = scopeOf(node.name);
    byScope[scope] = (byScope[scope] ?? 0) + n;
  }
  return { parameters, components: { byCategory, byScope } };
}
