/**
 * BERT (BertModel, with the pooler): word + position + segment embeddings, an embedding
 * LayerNorm, post-norm ("Add & Norm") blocks with a padding mask, and the tanh pooler; for
 * BertForSequenceClassification also its classifier on the pooled state. A pre-training head
 * (`cls.*`) is not imported.
 * RoBERTa shares the layers but numbers positions from pad_token_id + 1, which Loom's
 * learned_positions (rows from 0) cannot express: it is refused.
 */
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import {
  classificationHead,
  contextBound,
  encoderSizes,
  importHeader,
  type Family,
} from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** BERT fields that change no forward pass: dropout and the feed-forward chunking. */
const IRRELEVANT = [
  "hidden_dropout_prob",
  "attention_probs_dropout_prob",
  "chunk_size_feed_forward",
];

export const bert: Family = (cfg, options) => {
  cfg.ignore([...COMMON_IRRELEVANT, ...IRRELEVANT]);
  const head = classificationHead(cfg, "BertForSequenceClassification");
  const modelType = String(cfg.raw("model_type"));
  if (modelType === "roberta")
    cfg.unsupported(
      "model_type",
      `RoBERTa reads position rows from pad_token_id + 1 (${JSON.stringify(cfg.raw("pad_token_id") ?? 1)} + 1) on, and Loom's learned_positions reads them from row 0`,
      "write a BERT spec by hand only if the checkpoint numbers positions from 0",
    );
  const vocab = cfg.int("vocab_size", 30522);
  const { table, bound } = contextBound(cfg, "max_position_embeddings", options, 512);
  const { d, layers, heads, ffn, act, eps } = encoderSizes(cfg);
  const segmentTypes = cfg.int("type_vocab_size", 2);
  const positions = cfg.string("position_embedding_type", "absolute");
  if (positions !== "absolute")
    cfg.unsupported("position_embedding_type", "Loom has learned absolute positions only");
  if (cfg.bool("is_decoder", false))
    cfg.unsupported("is_decoder", "the importer reads BERT as an encoder (no causal mask)");
  if (cfg.bool("add_cross_attention", false))
    cfg.unsupported("add_cross_attention", "the importer reads BERT as an encoder only");

  const b = new SpecBuilder(
    options.name,
    importHeader(modelType, options, [
      "BERT (BertModel with the pooler): post-norm encoder blocks with a padding mask.",
      head !== undefined
        ? "The classifier of BertForSequenceClassification reads the pooled state."
        : "A pre-training or task head in the checkpoint is not part of this spec.",
    ]),
  );
  b.dims({ vocab, ctx: table, d, heads, ffn, layers, segment_types: segmentTypes });
  if (head !== undefined) b.dims({ classes: head });
  if (bound !== table) b.dims({ max_seq: bound });
  b.input("tokens", "int", ["batch", `seq <= ${bound !== table ? "max_seq" : "ctx"}`]);
  b.input("segments", "int", ["batch", "seq"]);
  b.input("mask", "bool", ["batch", "seq"]);
  b.blank();
  const norm = (x: string) => call("layernorm", [x], { eps });
  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as word_embeddings`);
  b.assign(
    "x",
    `x + ${call("learned_positions", ["x", "ctx"])} + ${call("embed", ["segments", "segment_types", "d"])} as token_type_embeddings`,
  );
  b.assign("x", norm("x"));
  b.repeat("layers", "layer", (r) => {
    r.assign("x", norm(`x + ${call("attention", ["x", "heads"], { padding: "mask" })}`));
    r.assign("x", norm(`x + ${call("mlp", ["x", "ffn"], { act })}`));
  });
  b.assign("pooled", call("pooler", ["x"]));
  b.output("hidden", "x");
  b.output("pooled");
  if (head !== undefined) b.output("logits", call("classifier", ["pooled", "classes"]));
  return { spec: b.text(), layout: "hf-bert" };
};
