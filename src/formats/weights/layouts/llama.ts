/**
 * Hugging Face Llama, Mistral and Mixtral (LlamaForCausalLM, MistralForCausalLM,
 * MixtralForCausalLM; the body under `model.`, the head `lm_head` outside it).
 *
 * Assumes one repeat stack of pre-norm blocks. Before the stack: the embedding is
 * `embed_tokens`. In layer i, by occurrence: the 1st norm is `layers.i.input_layernorm`, the
 * attention `self_attn.q_proj/k_proj/v_proj/o_proj` (biases too, as Qwen2 has them), the 2nd norm
 * `post_attention_layernorm`, a gated mlp `mlp.gate_proj/up_proj/down_proj`, a moe
 * `block_sparse_moe` with router `gate` and experts `experts.e.w1` (gate), `w3` (up), `w2`
 * (down). After the stack: the norm is `norm`, an untied head `lm_head` (a tied head reads the
 * embedding; a `lm_head.weight` copy of it is accepted). A moe's shared expert has no Mixtral name.
 *
 * HF checkpoints permute the rows of q_proj and k_proj so that RoPE rotates the pairs
 * (i, i + head_dim/2) ("rotate half") rather than Meta's interleaved (2i, 2i+1). Loom's RoPE
 * rotates the same pairs (i, i + head_dim/2), so the weights are read without any permutation.
 * The `rotary_emb.inv_freq` buffer of older checkpoints is ignored.
 */
import { NORM_OPS, nth, topBetween, type ModelStructure } from "../structure.ts";
import { Bindings, findPrefix, tiedWeight, type LayoutMap } from "./map.ts";

export function llamaMap(s: ModelStructure, names: ReadonlySet<string>): LayoutMap {
  const p = findPrefix(
    names,
    ["embed_tokens.weight", "layers.0.input_layernorm.weight", "layers.0.self_attn.q_proj.weight"],
    "model.",
  );
  const b = new Bindings();
  const stack = s.stacks[0];
  const before = stack ? topBetween(s, -1, stack.first) : s.top;
  const after = stack ? topBetween(s, stack.last, Infinity) : [];

  b.module(
    before.find((n) => n.op === "embed" && !n.tiedTo),
    "",
    `${p}embed_tokens`,
    ["weight"],
  );

  stack?.layers.forEach((layer, i) => {
    const l = `${p}layers.${i}`;
    b.module(nth(layer.nodes, NORM_OPS, 0), "", `${l}.input_layernorm`);
    const attn = nth(layer.nodes, "attention");
    for (const x of ["q", "k", "v", "o"]) b.module(attn, x, `${l}.self_attn.${x}_proj`);
    b.module(nth(layer.nodes, NORM_OPS, 1), "", `${l}.post_attention_layernorm`);
    const mlp = nth(layer.nodes, "mlp");
    for (const x of ["gate", "up", "down"]) b.module(mlp, x, `${l}.mlp.${x}_proj`);
    const moe = nth(layer.nodes, "moe");
    if (moe) {
      const m = `${l}.block_sparse_moe`;
      b.module(moe, "router", `${m}.gate`);
      const experts = Number(moe.attrs["experts"] ?? 0);
      for (let e = 0; e < experts; e++) {
        b.module(moe, `experts.${e}.gate`, `${m}.experts.${e}.w1`);
        b.module(moe, `experts.${e}.up`, `${m}.experts.${e}.w3`);
        b.module(moe, `experts.${e}.down`, `${m}.experts.${e}.w2`);
      }
    }
  });

  b.module(nth(after, NORM_OPS), "", `${p}norm`);
  const head = nth(after, ["lm_head", "linear"]);
  if (head?.tiedTo) {
    b.tiedCopy("lm_head.weight", tiedWeight(head));
    b.module(head, "", "lm_head", ["bias"]);
  } else b.module(head, "", "lm_head");
  return {
    layout: "hf-llama",
    bindings: b.bindings,
    tiedCopies: b.tiedCopies,
    ignore: [/(^|\.)rotary_emb\.inv_freq$/],
  };
}
