/**
 * Hugging Face BERT (BertModel, names optionally under `bert.`).
 *
 * Assumes one repeat stack of post-norm ("Add & Norm") blocks. Before the stack: the embedding
 * with the largest vocabulary is `embeddings.word_embeddings`, the other `embeddings.token_type_
 * embeddings`; learned positions are `embeddings.position_embeddings`; the norm is
 * `embeddings.LayerNorm`. In layer i, by occurrence: the attention is `encoder.layer.i.attention`
 * (`self.query/key/value`, `output.dense`), the 1st norm `attention.output.LayerNorm`, the mlp
 * `intermediate.dense` (up) and `output.dense` (down), the 2nd norm `output.LayerNorm`. After the
 * stack: the pooler is `pooler.dense`, a classifier `classifier` (outside the prefix). Pre-2019
 * checkpoints name LayerNorm parameters gamma/beta: both spellings are read. The
 * `embeddings.position_ids` buffer is ignored.
 */
import { NORM_OPS, nth, topBetween, type ModelStructure } from "../structure.ts";
import { Bindings, findPrefix, type LayoutMap } from "./map.ts";

export function bertMap(s: ModelStructure, names: ReadonlySet<string>): LayoutMap {
  const p = findPrefix(names, ["embeddings.word_embeddings.weight", "pooler.dense.weight"]);
  const b = new Bindings();
  b.legacyNormNames = true;
  const stack = s.stacks[0];
  const before = stack ? topBetween(s, -1, stack.first) : s.top;
  const after = stack ? topBetween(s, stack.last, Infinity) : [];

  const embeds = before
    .filter((n) => n.op === "embed" && !n.tiedTo)
    .sort((x, y) => (y.weights[0]?.shape[0] ?? 0) - (x.weights[0]?.shape[0] ?? 0));
  b.module(embeds[0], "", `${p}embeddings.word_embeddings`, ["weight"]);
  b.module(embeds[1], "", `${p}embeddings.token_type_embeddings`, ["weight"]);
  b.module(nth(before, "learned_positions"), "", `${p}embeddings.position_embeddings`, ["weight"]);
  b.module(nth(before, NORM_OPS), "", `${p}embeddings.LayerNorm`);

  stack?.layers.forEach((layer, i) => {
    const l = `${p}encoder.layer.${i}`;
    const attn = nth(layer.nodes, "attention");
    b.module(attn, "q", `${l}.attention.self.query`);
    b.module(attn, "k", `${l}.attention.self.key`);
    b.module(attn, "v", `${l}.attention.self.value`);
    b.module(attn, "o", `${l}.attention.output.dense`);
    b.module(nth(layer.nodes, NORM_OPS, 0), "", `${l}.attention.output.LayerNorm`);
    const mlp = nth(layer.nodes, "mlp");
    b.module(mlp, "up", `${l}.intermediate.dense`);
    b.module(mlp, "down", `${l}.output.dense`);
    b.module(nth(layer.nodes, NORM_OPS, 1), "", `${l}.output.LayerNorm`);
  });

  b.module(nth(after, "pooler"), "dense", `${p}pooler.dense`);
  b.module(nth(after, "classifier"), "", "classifier");
  return {
    layout: "hf-bert",
    bindings: b.bindings,
    tiedCopies: b.tiedCopies,
    ignore: [/(^|\.)embeddings\.position_ids$/],
  };
}
