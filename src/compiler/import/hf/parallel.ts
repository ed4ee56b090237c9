/**
 * Decoders with parallel residuals, where attention and the MLP read the same input and are
 * added together: GPT-NeoX (GPTNeoXForCausalLM, two LayerNorms; `use_parallel_residual = false`
 * gives the sequential form) and Phi (PhiForCausalLM, one shared LayerNorm). Both rotate only a
 * fraction of each head with RoPE in their published checkpoints (rotary_pct,
 * partial_rotary_factor); Loom's rope rotates every channel, so a fraction below 1 is refused.
 * Loom has no weight layout for these checkpoints yet.
 */
import type { ConfigReader } from "./fields.ts";
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import { activation, contextBound, importHeader, type Family } from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** Refuses a rotary fraction below 1 (field `field`, Hugging Face default `fallback`). */
function fullRotary(cfg: ConfigReader, field: string, fallback: number): void {
  const fraction = cfg.positive(field, fallback);
  if (fraction !== 1)
    cfg.unsupported(
      field,
      `RoPE would rotate ${fraction * 100}% of each head's channels, and Loom's rope rotates all of them`,
    );
}

export const gptNeox: Family = (cfg, options) => {
  cfg.ignore([...COMMON_IRRELEVANT]);
  const vocab = cfg.int("vocab_size", 50432);
  const { bound } = contextBound(cfg, "max_position_embeddings", options, 2048);
  const d = cfg.int("hidden_size", 6144);
  const layers = cfg.int("num_hidden_layers", 44);
  const heads = cfg.int("num_attention_heads", 64);
  const ffn = cfg.int("intermediate_size", 24576);
  const act = activation(cfg, "hidden_act", "gelu");
  const eps = cfg.positive("layer_norm_eps", 1e-5);
  const theta = cfg.positive("rotary_emb_base", 10000);
  fullRotary(cfg, "rotary_pct", 0.25);
  const parallel = cfg.bool("use_parallel_residual", true);
  const bias = cfg.bool("attention_bias", true);
  const tied = cfg.bool("tie_word_embeddings", false);
  if (cfg.raw("rope_scaling") !== undefined)
    cfg.unsupported("rope_scaling", "Loom's rope takes only theta");

  const b = new SpecBuilder(
    options.name,
    importHeader("gpt_neox", options, [
      `GPT-NeoX: ${parallel ? "parallel" : "sequential"} residuals, two LayerNorms a layer, RoPE, an untied LM head.`,
    ]),
  );
  b.dims({ vocab, ctx: bound, d, heads, ffn, layers, rope_theta: theta });
  b.input("tokens", "int", ["batch", "seq <= ctx"]);
  b.blank();
  const norm = (x: string) => call("layernorm", [x], { eps });
  const attention = call("attention", [norm("x"), "heads", "causal", "rope(theta = rope_theta)"], {
    bias,
  });
  const mlp = call("mlp", [norm("x"), "ffn"], { act });
  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as embed_in`);
  b.repeat("layers", "layers", (r) => {
    if (parallel) r.assign("x", `x + ${attention} + ${mlp}`);
    else r.assign("x", `x + ${attention}`).assign("x", `x + ${mlp}`);
  });
  b.output(
    "logits",
    tied
      ? call("lm_head", [norm("x")], { tied_to: "embed_in" })
      : call("lm_head", [norm("x"), "vocab"]),
  );
  return { spec: b.text() };
};

/** Phi fields that change no forward pass: dropout. */
const PHI_IRRELEVANT = ["resid_pdrop", "embd_pdrop"];

export const phi: Family = (cfg, options) => {
  cfg.ignore([...COMMON_IRRELEVANT, ...PHI_IRRELEVANT]);
  const vocab = cfg.int("vocab_size", 51200);
  const { bound } = contextBound(cfg, "max_position_embeddings", options, 2048);
  const d = cfg.int("hidden_size", 2048);
  const layers = cfg.int("num_hidden_layers", 24);
  const heads = cfg.int("num_attention_heads", 32);
  const kvHeads = cfg.int("num_key_value_heads", heads);
  const ffn = cfg.int("intermediate_size", 8192);
  const act = activation(cfg, "hidden_act", "gelu_new");
  const eps = cfg.positive("layer_norm_eps", 1e-5);
  const theta = cfg.positive("rope_theta", 10000);
  fullRotary(cfg, "partial_rotary_factor", 0.5);
  const tied = cfg.bool("tie_word_embeddings", false);
  if (cfg.raw("rope_scaling") !== undefined)
    cfg.unsupported("rope_scaling", "Loom's rope takes only theta");
  if (cfg.bool("qk_layernorm", false))
    cfg.unsupported("qk_layernorm", "Loom's attention does not normalise queries and keys");

  const b = new SpecBuilder(
    options.name,
    importHeader("phi", options, [
      "Phi: parallel residuals from one shared LayerNorm, RoPE, biases everywhere, an LM head with a bias.",
    ]),
  );
  b.dims({ vocab, ctx: bound, d, heads, kv_heads: kvHeads, ffn, layers, rope_theta: theta });
  b.input("tokens", "int", ["batch", "seq <= ctx"]);
  b.blank();
  const norm = (x: string) => call("layernorm", [x], { eps });
  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as embed_tokens`);
  b.repeat("layers", "layers", (r) => {
    r.assign("h", norm("x"));
    const attention = call("attention", [
      "h",
      "heads",
      "kv_heads",
      "causal",
      "rope(theta = rope_theta)",
    ]);
    r.assign("x", `x + ${attention} + ${call("mlp", ["h", "ffn"], { act })}`);
  });
  b.output(
    "logits",
    tied
      ? call("lm_head", [norm("x")], { tied_to: "embed_tokens", bias: true })
      : call("lm_head", [norm("x"), "vocab"], { bias: true }),
  );
  return { spec: b.text() };
};
