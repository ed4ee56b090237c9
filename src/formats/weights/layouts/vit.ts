/**
 * Hugging Face ViT (ViTModel / ViTForImageClassification, names optionally under `vit.`).
 *
 * Assumes one repeat stack of pre-norm blocks. Before the stack: patch_embed is
 * `embeddings.patch_embeddings.projection` (a Conv2d [d, channels, patch, patch], as Loom's),
 * cls_token `embeddings.cls_token` [1, 1, d], learned positions `embeddings.position_embeddings`
 * stored [1, positions, d] (Loom's table is [positions, d]: same values). In layer i, by
 * occurrence: the 1st norm is `encoder.layer.i.layernorm_before`, the attention
 * `attention.attention.query/key/value` and `attention.output.dense`, the 2nd norm
 * `layernorm_after`, the mlp `intermediate.dense` (up) and `output.dense` (down). After the stack:
 * the norm is `layernorm`, a pooler `pooler.dense`, the classifier `classifier` (outside the prefix).
 */
import { NORM_OPS, nth, topBetween, type ModelStructure } from "../structure.ts";
import { Bindings, findPrefix, type LayoutMap } from "./map.ts";

export function vitMap(s: ModelStructure, names: ReadonlySet<string>): LayoutMap {
  const p = findPrefix(names, [
    "embeddings.patch_embeddings.projection.weight",
    "embeddings.cls_token",
  ]);
  const b = new Bindings();
  const stack = s.stacks[0];
  const before = stack ? topBetween(s, -1, stack.first) : s.top;
  const after = stack ? topBetween(s, stack.last, Infinity) : [];

  b.module(nth(before, "patch_embed"), "", `${p}embeddings.patch_embeddings.projection`);
  b.copy(nth(before, "cls_token"), "weight", `${p}embeddings.cls_token`);
  const positions = nth(before, "learned_positions");
  const table = positions?.weights.find((w) => w.name === "weight")?.shape;
  if (table) b.copy(positions, "weight", `${p}embeddings.position_embeddings`, [1, ...table]);

  stack?.layers.forEach((layer, i) => {
    const l = `${p}encoder.layer.${i}`;
    b.module(nth(layer.nodes, NORM_OPS, 0), "", `${l}.layernorm_before`);
    const attn = nth(layer.nodes, "attention");
    b.module(attn, "q", `${l}.attention.attention.query`);
    b.module(attn, "k", `${l}.attention.attention.key`);
    b.module(attn, "v", `${l}.attention.attention.value`);
    b.module(attn, "o", `${l}.attention.output.dense`);
    b.module(nth(layer.nodes, NORM_OPS, 1), "", `${l}.layernorm_after`);
    const mlp = nth(layer.nodes, "mlp");
    b.module(mlp, "up", `${l}.intermediate.dense`);
    b.module(mlp, "down", `${l}.output.dense`);
  });

  b.module(nth(after, NORM_OPS), "", `${p}layernorm`);
  b.module(nth(after, "pooler"), "dense", `${p}pooler.dense`);
  b.module(nth(after, "classifier"), "", "classifier");
  return { layout: "hf-vit", bindings: b.bindings, tiedCopies: b.tiedCopies, ignore: [] };
}
