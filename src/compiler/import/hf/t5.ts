/**
 * T5 (T5ForConditionalGeneration): an encoder and a decoder of pre-norm RMSNorm sublayers
 * without biases, unscaled attention scores, one relative position bias per stack, a ReLU (or
 * gated) feed-forward network, one embedding shared by both stacks and, when tied, the LM head
 * after a 1/sqrt(d) rescale.
 */
import type { ConfigReader } from "./fields.ts";
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import { importHeader, type Family } from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** T5 fields that change no forward pass: dropout, the unused n_positions. */
const IRRELEVANT = ["dropout_rate", "n_positions", "is_encoder_decoder"];

/** `feed_forward_proj` as Loom's `act`; "gated-gelu" (a tanh-GELU gate) is refused. */
function feedForward(cfg: ConfigReader): string {
  const proj = cfg.string("feed_forward_proj", "relu");
  cfg.ignore(["dense_act_fn", "is_gated_act"]);
  const known: Record<string, string> = {
    relu: "relu",
    gelu: "gelu",
    silu: "silu",
    "gated-silu": "swiglu",
  };
  const act = known[proj];
  if (act) return act;
  cfg.unsupported(
    "feed_forward_proj",
    proj === "gated-gelu"
      ? "T5's gated-gelu gates with the tanh GELU (gelu_new), and Loom's geglu gates with the exact GELU"
      : "Loom's T5 feed-forward networks are relu, gelu, silu and gated-silu",
  );
  return "relu";
}

export const t5: Family = (cfg, options) => {
  cfg.ignore([...COMMON_IRRELEVANT, ...IRRELEVANT]);
  const vocab = cfg.int("vocab_size", 32128);
  const d = cfg.int("d_model", 512);
  const headDim = cfg.int("d_kv", 64);
  const ffn = cfg.int("d_ff", 2048);
  const encLayers = cfg.int("num_layers", 6);
  const decLayers = cfg.int("num_decoder_layers", encLayers);
  const heads = cfg.int("num_heads", 8);
  const buckets = cfg.int("relative_attention_num_buckets", 32);
  const maxDistance = cfg.int("relative_attention_max_distance", 128);
  const eps = cfg.positive("layer_norm_epsilon", 1e-6);
  const act = feedForward(cfg);
  const tied = cfg.bool("tie_word_embeddings", true);
  const maxLen = options.context ?? 512;

  const b = new SpecBuilder(
    options.name,
    importHeader("t5", options, [
      "T5: pre-norm RMSNorm sublayers without biases, unscaled attention, one relative position",
      `bias per stack. T5 has no position table: sequences are bounded at ${maxLen} (--context).`,
    ]),
  );
  b.dims({ vocab, d, heads, ffn, max_len: maxLen });
  b.dims({ enc_layers: encLayers, dec_layers: decLayers });
  b.input("tokens", "int", ["batch", "src_len <= max_len"]);
  b.input("mask", "bool", ["batch", "src_len"]);
  b.input("targets", "int", ["batch", "tgt_len <= max_len"]);
  b.blank();
  const norm = (x: string) => call("rmsnorm", [x], { eps });
  const attn = { head_dim: headDim * heads !== d ? headDim : undefined, scale: 1, bias: false };
  const relative = (bidirectional: boolean) =>
    call("relative_position_bias", ["heads"], {
      buckets,
      max_distance: maxDistance,
      bidirectional,
    });
  const ff = (x: string) => call("mlp", [norm(x), "ffn"], { act, bias: false });

  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as shared`);
  b.assign("enc_rel", relative(true));
  b.repeat("enc_layers", "encoder", (r) => {
    r.assign("h", norm("x"));
    r.assign(
      "x",
      `x + ${call("attention", ["h", "heads"], { padding: "mask", position_bias: "enc_rel", ...attn })}`,
    );
    r.assign("x", `x + ${ff("x")}`);
  });
  b.assign("memory", norm("x"));
  b.blank();
  b.assign("y", call("embed", ["targets"], { tied_to: "shared" }));
  b.assign("dec_rel", relative(false));
  b.repeat("dec_layers", "decoder", (r) => {
    r.assign("h", norm("y"));
    r.assign(
      "y",
      `y + ${call("attention", ["h", "heads", "causal"], { position_bias: "dec_rel", ...attn })}`,
    );
    r.assign("h", norm("y"));
    r.assign(
      "y",
      `y + ${call("cross_attention", ["h", "memory", "heads"], { padding: "mask", ...attn })}`,
    );
    r.assign("y", `y + ${ff("y")}`);
  });
  b.assign("y", norm("y"));
  b.output(
    "logits",
    tied
      ? call("lm_head", ["y * (1 / sqrt(d))"], { tied_to: "shared" })
      : call("lm_head", ["y", "vocab"]),
  );
  return { spec: b.text(), layout: "hf-t5" };
};
