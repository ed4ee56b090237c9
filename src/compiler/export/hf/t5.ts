/**
 * T5 (T5ForConditionalGeneration) config from a spec: an encoder and a decoder stack of pre-norm
 * RMSNorm sublayers, one relative position bias per stack, unscaled attention, a head tied to
 * the shared embedding (after × d^−½) or its own.
 */
import type { TypedIr } from "../../../contracts/ir/schema.ts";
import { nth, type ModelStructure } from "../../../formats/weights/structure.ts";
import { num, rows, sequenceBound, type HfConfig } from "./family.ts";

/** Loom's `act` as T5's `feed_forward_proj`. */
const PROJ: Readonly<Record<string, string>> = {
  relu: "relu",
  gelu: "gelu",
  silu: "silu",
  swiglu: "gated-silu",
};

export function t5Config(ir: TypedIr, s: ModelStructure): HfConfig {
  const [encoder, decoder] = s.stacks;
  const layer = encoder?.layers[0]?.nodes ?? [];
  const attention = nth(layer, "attention");
  const mlp = nth(layer, "mlp");
  const norm = nth(layer, "rmsnorm");
  const bias = nth(s.top, "relative_position_bias");
  const embed = s.top.find((n) => n.op === "embed" && !n.tiedTo);
  const head = nth(s.top, "lm_head");
  const act = String(mlp?.attrs["act"]);
  const bound = sequenceBound(ir);
  return {
    modelType: "t5",
    layout: "hf-t5",
    config: {
      architectures: ["T5ForConditionalGeneration"],
      model_type: "t5",
      vocab_size: rows(embed),
      d_model: num(embed, "width"),
      d_kv: num(attention, "head_dim"),
      d_ff: num(mlp, "hidden"),
      num_layers: encoder?.layers.length ?? 0,
      num_decoder_layers: decoder?.layers.length ?? 0,
      num_heads: num(attention, "heads"),
      relative_attention_num_buckets: num(bias, "buckets"),
      relative_attention_max_distance: num(bias, "max_distance"),
      layer_norm_epsilon: num(norm, "eps"),
      feed_forward_proj: PROJ[act] ?? act,
      tie_word_embeddings: head?.tiedTo != null,
      is_encoder_decoder: true,
    },
    ...(bound !== undefined ? { context: bound } : {}),
  };
}
