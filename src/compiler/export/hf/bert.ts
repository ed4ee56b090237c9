/**
 * BERT (BertModel, or BertForSequenceClassification when the spec ends in a classifier) config
 * from a spec: word, position and segment embeddings, post-norm blocks, the pooler.
 */
import { NORM_OPS, nth } from "../../../formats/weights/structure.ts";
import { HF_ACTIVATION, num, rows, sequenceBound, type HfConfig, type Shape } from "./family.ts";

export function bertConfig(s: Shape): HfConfig {
  const embeds = s.before.filter((n) => n.op === "embed").sort((a, b) => rows(b) - rows(a));
  const positions = nth(s.before, "learned_positions");
  const attention = nth(s.layer, "attention");
  const mlp = nth(s.layer, "mlp");
  const norm = nth(s.layer, NORM_OPS);
  const classifier = nth(s.after, "classifier");
  const table = rows(positions);
  const bound = sequenceBound(s.ir);
  return {
    modelType: "bert",
    layout: "hf-bert",
    ...(classifier ? { prefixedName: "bert.embeddings.word_embeddings.weight" } : {}),
    config: {
      architectures: [classifier ? "BertForSequenceClassification" : "BertModel"],
      model_type: "bert",
      vocab_size: rows(embeds[0]),
      max_position_embeddings: table,
      type_vocab_size: rows(embeds[1]),
      hidden_size: num(embeds[0], "width"),
      num_hidden_layers: s.layers,
      num_attention_heads: num(attention, "heads"),
      intermediate_size: num(mlp, "hidden"),
      hidden_act: HF_ACTIVATION[String(mlp?.attrs["act"])] ?? String(mlp?.attrs["act"]),
      layer_norm_eps: num(norm, "eps"),
      ...(classifier ? { num_labels: num(classifier, "classes") } : {}),
    },
    ...(bound !== undefined && bound < table ? { context: bound } : {}),
  };
}
