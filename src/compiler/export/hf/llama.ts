/**
 * Llama (LlamaForCausalLM) and Mixtral (MixtralForCausalLM) configs from a spec: RMSNorm, RoPE,
 * grouped-query attention, a gated MLP or a mixture of gated experts. Mistral and Qwen2 write
 * the same tensors; a spec of either is written as `llama` (Mistral's sliding window does not
 * change a spec whose sequences are bounded within it).
 */
import { NORM_OPS, nth } from "../../../formats/weights/structure.ts";
import { HF_ACTIVATION, num, rows, sequenceBound, type HfConfig, type Shape } from "./family.ts";

export function llamaConfig(s: Shape): HfConfig {
  const embed = s.before.find((n) => n.op === "embed");
  const attention = nth(s.layer, "attention");
  const mlp = nth(s.layer, "mlp");
  const moe = nth(s.layer, "moe");
  const norm = nth(s.layer, NORM_OPS);
  const head = nth(s.after, ["lm_head", "linear"]);
  const d = num(embed, "width");
  const heads = num(attention, "heads");
  const headDim = num(attention, "head_dim");
  const ff = moe ?? mlp;
  const modelType = moe ? "mixtral" : "llama";
  return {
    modelType,
    layout: "hf-llama",
    config: {
      architectures: [moe ? "MixtralForCausalLM" : "LlamaForCausalLM"],
      model_type: modelType,
      vocab_size: rows(embed),
      max_position_embeddings: sequenceBound(s.ir) ?? 0,
      hidden_size: d,
      num_hidden_layers: s.layers,
      num_attention_heads: heads,
      num_key_value_heads: num(attention, "kv_heads"),
      ...(headDim * heads !== d ? { head_dim: headDim } : {}),
      intermediate_size: num(ff, "hidden"),
      hidden_act: HF_ACTIVATION[String(ff?.attrs["act"])] ?? String(ff?.attrs["act"]),
      rms_norm_eps: num(norm, "eps"),
      rope_theta: num(attention, "rope"),
      tie_word_embeddings: head?.tiedTo != null,
      ...(moe
        ? {
            num_local_experts: num(moe, "experts"),
            num_experts_per_tok: num(moe, "top_k"),
            sliding_window: null,
          }
        : {
            attention_bias: attention?.attrs["bias"] === true,
            mlp_bias: mlp?.attrs["bias"] === true,
          }),
    },
  };
}
