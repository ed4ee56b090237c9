/**
 * GPT-2 (GPT2Model / GPT2LMHeadModel): learned positions, pre-LayerNorm blocks, causal attention
 * with biases, a GELU MLP, a final LayerNorm and an LM head tied to the token embedding.
 */
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import { activation, contextBound, importHeader, type Family } from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** GPT-2 fields that change no forward pass: the legacy n_ctx, dropout, the double-heads head. */
const IRRELEVANT = [
  "n_ctx",
  "resid_pdrop",
  "embd_pdrop",
  "attn_pdrop",
  "summary_type",
  "summary_use_proj",
  "summary_activation",
  "summary_proj_to_labels",
  "summary_first_dropout",
  "reorder_and_upcast_attn",
] as const;

export const gpt2: Family = (cfg, options) => {
  cfg.ignore([...COMMON_IRRELEVANT, ...IRRELEVANT]);
  const vocab = cfg.int("vocab_size", 50257);
  const { table, bound } = contextBound(cfg, "n_positions", options, 1024);
  const d = cfg.int("n_embd", 768);
  const layers = cfg.int("n_layer", 12);
  const heads = cfg.int("n_head", 12);
  const ffn = cfg.int("n_inner", 4 * d);
  const act = activation(cfg, "activation_function", "gelu_new");
  const eps = cfg.positive("layer_norm_epsilon", 1e-5);
  const scaled = cfg.bool("scale_attn_weights", true);
  const tied = cfg.bool("tie_word_embeddings", true);
  if (cfg.bool("scale_attn_by_inverse_layer_idx", false))
    cfg.unsupported(
      "scale_attn_by_inverse_layer_idx",
      "it scales each layer's scores by 1 / (layer + 1), and a `repeat` gives every layer the same scale",
    );
  if (cfg.bool("add_cross_attention", false))
    cfg.unsupported("add_cross_attention", "the importer reads GPT-2 as a decoder-only model");

  const b = new SpecBuilder(
    options.name,
    importHeader("gpt2", options, [
      "GPT-2: learned positions, pre-LayerNorm blocks, causal attention, an LM head",
      tied ? "tied to the token embedding." : "of its own (tie_word_embeddings = false).",
    ]),
  );
  b.dims({ vocab, ctx: table, d, heads, ffn, layers });
  if (bound !== table) b.dims({ max_seq: bound });
  b.input("tokens", "int", ["batch", `seq <= ${bound !== table ? "max_seq" : "ctx"}`]);
  b.blank();
  const norm = (x: string) => call("layernorm", [x], { eps });
  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as wte`);
  b.assign("x", `x + ${call("learned_positions", ["x", "ctx"])}`);
  b.repeat("layers", "h", (r) => {
    r.assign(
      "x",
      `x + ${call("attention", [norm("x"), "heads", "causal"], { scale: scaled ? undefined : 1 })}`,
    );
    r.assign("x", `x + ${call("mlp", [norm("x"), "ffn"], { act })}`);
  });
  b.output(
    "logits",
    tied ? call("lm_head", [norm("x")], { tied_to: "wte" }) : call("lm_head", [norm("x"), "vocab"]),
  );
  return { spec: b.text(), layout: "hf-gpt2" };
};
