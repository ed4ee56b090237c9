/**
 * The Llama family (LlamaForCausalLM and the models that share its layout: Mistral, Mixtral,
 * Qwen2): RMSNorm, rotary positions, grouped-query attention, a SwiGLU MLP or a mixture of
 * SwiGLU experts, an untied (or tied) LM head. What Loom cannot express is refused by name:
 * rope_scaling, a sliding window shorter than the context, Qwen2's q/k/v-only biases.
 */
import type { ConfigReader } from "./fields.ts";
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import {
  contextBound,
  gatedActivation,
  importHeader,
  type Family,
  type FamilyImport,
  type ImportOptions,
} from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** Fields that change no forward pass: tensor-parallel splitting and MoE training losses. */
const IRRELEVANT = [
  "pretraining_tp",
  "router_aux_loss_coef",
  "output_router_logits",
  "router_jitter_noise",
];

/** How the family's members differ. */
interface Variant {
  modelType: string;
  about: string;
  /** Mixtral: a mixture of experts in place of the MLP. */
  moe: boolean;
  /** Whether the config has `attention_bias` (Llama) rather than fixed biases. */
  attentionBiasField: boolean;
  /** Whether the model has a sliding window, and its size when the config leaves it out. */
  window: "none" | { fallback?: number };
  /** rope_theta when the config leaves it out. */
  theta: number;
  /**
   * Values of fields the config may leave out, as the variant's Hugging Face config class has
   * them. The variants differ (Mistral's FFN is 14336, Llama's 11008), so only Llama gives sizes;
   * the others must state them (E0906).
   */
  defaults: Readonly<Record<string, number>>;
}

/** LlamaConfig's defaults (transformers). */
const LLAMA_DEFAULTS = {
  vocab_size: 32000,
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-6,
};

/** A sliding window that the sequence bound does not reach changes nothing; a shorter one is refused. */
function checkSlidingWindow(cfg: ConfigReader, bound: number, v: Variant): void {
  if (v.window === "none") return;
  const active = v.modelType === "qwen2" ? cfg.bool("use_sliding_window", false) : true;
  if (v.modelType === "qwen2") cfg.ignore(["max_window_layers"]);
  const fallback = v.window.fallback;
  const off = cfg.present("sliding_window") ? !cfg.has("sliding_window") : fallback === undefined;
  if (!active || off) {
    cfg.ignore(["sliding_window"]);
    return;
  }
  const size = cfg.int("sliding_window", fallback);
  if (size >= bound) return;
  cfg.unsupported(
    "sliding_window",
    `each position attends to the last ${size} only, and Loom's attention has no window (the spec's sequence bound is ${bound})`,
    `pass --context ${size} (or less): up to ${size} positions the window changes nothing, so that import is exact`,
  );
}

function importLlama(cfg: ConfigReader, options: ImportOptions, v: Variant): FamilyImport {
  cfg.ignore([...COMMON_IRRELEVANT, ...IRRELEVANT]);
  const size = (field: string) => cfg.int(field, v.defaults[field]);
  const vocab = size("vocab_size");
  const { bound } = contextBound(
    cfg,
    "max_position_embeddings",
    options,
    v.defaults["max_position_embeddings"],
  );
  const d = size("hidden_size");
  const layers = size("num_hidden_layers");
  const heads = size("num_attention_heads");
  const kvHeads = cfg.int("num_key_value_heads", v.modelType === "llama" ? heads : undefined);
  const headDim = cfg.int("head_dim", Math.floor(d / heads));
  const ffn = size("intermediate_size");
  const act = gatedActivation(cfg, "hidden_act", "silu");
  const eps = cfg.positive("rms_norm_eps", v.defaults["rms_norm_eps"]);
  const theta = cfg.positive("rope_theta", v.theta);
  const tied = cfg.bool("tie_word_embeddings", false);
  if (cfg.raw("rope_scaling") !== undefined)
    cfg.unsupported(
      "rope_scaling",
      "Loom's rope takes only theta; scaled or extended RoPE frequencies (linear, dynamic, yarn, llama3) are not expressible",
    );
  if (v.modelType === "qwen2")
    cfg.unsupported(
      "model_type",
      "Qwen2 gives q_proj, k_proj and v_proj biases and o_proj none, and Loom's attention `bias` covers all four projections",
    );
  const attentionBias = v.attentionBiasField ? cfg.bool("attention_bias", false) : false;
  const mlpBias = v.moe ? false : cfg.bool("mlp_bias", false);
  checkSlidingWindow(cfg, bound, v);
  const experts = v.moe ? cfg.int("num_local_experts", 8) : 0;
  const topK = v.moe ? cfg.int("num_experts_per_tok", 2) : 0;

  const b = new SpecBuilder(options.name, importHeader(v.modelType, options, [v.about]));
  b.dims({ vocab, ctx: bound, d, layers });
  b.dims({ heads, kv_heads: kvHeads, ffn, rope_theta: theta });
  if (v.moe) b.dims({ experts, top_k: topK });
  b.input("tokens", "int", ["batch", "seq <= ctx"]);
  b.blank();
  const norm = (x: string) => call("rmsnorm", [x], { eps });
  b.assign("x", `${call("embed", ["tokens", "vocab", "d"])} as embed_tokens`);
  b.repeat("layers", "layers", (r) => {
    r.assign("h", norm("x"));
    const attention = call(
      "attention",
      ["h", "heads", "kv_heads", "causal", "rope(theta = rope_theta)"],
      {
        head_dim: headDim * heads !== d ? headDim : undefined,
        bias: attentionBias,
      },
    );
    r.assign("x", `x + ${attention}`);
    const ff = v.moe
      ? call("moe", [norm("x"), "experts", "top_k"], { hidden: "ffn", act })
      : call("mlp", [norm("x"), "ffn"], { act, bias: mlpBias });
    r.assign("x", `x + ${ff}`);
  });
  b.output(
    "logits",
    tied
      ? call("lm_head", [norm("x")], { tied_to: "embed_tokens" })
      : call("linear", [norm("x"), "vocab"], { bias: false }),
  );
  return { spec: b.text(), layout: "hf-llama" };
}

export const llama: Family = (cfg, options) =>
  importLlama(cfg, options, {
    modelType: "llama",
    about: "Llama: RMSNorm, RoPE, grouped-query attention, a gated MLP.",
    moe: false,
    attentionBiasField: true,
    window: "none",
    theta: 10000,
    defaults: LLAMA_DEFAULTS,
  });

export const mistral: Family = (cfg, options) =>
  importLlama(cfg, options, {
    modelType: "mistral",
    about: "Mistral: the Llama layout (RMSNorm, RoPE, grouped-query attention, a gated MLP).",
    moe: false,
    attentionBiasField: false,
    window: { fallback: 4096 },
    theta: 10000,
    defaults: {},
  });

export const qwen2: Family = (cfg, options) =>
  importLlama(cfg, options, {
    modelType: "qwen2",
    about: "Qwen2: the Llama layout with biases on q, k and v.",
    moe: false,
    attentionBiasField: false,
    window: { fallback: 4096 },
    theta: 10000,
    defaults: {},
  });

export const mixtral: Family = (cfg, options) =>
  importLlama(cfg, options, {
    modelType: "mixtral",
    about: "Mixtral: Llama attention, then a sparse mixture of SwiGLU experts.",
    moe: true,
    attentionBiasField: false,
    window: {},
    theta: 1e6,
    defaults: {},
  });
