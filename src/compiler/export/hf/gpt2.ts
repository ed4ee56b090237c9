/** GPT-2 (GPT2LMHeadModel) config from a spec: learned positions, pre-LN, a GELU MLP. */
import { NORM_OPS, nth } from "../../../formats/weights/structure.ts";
import { HF_ACTIVATION, num, rows, sequenceBound, type HfConfig, type Shape } from "./family.ts";

export function gpt2Config(s: Shape): HfConfig {
  const embed = s.before.find((n) => n.op === "embed");
  const positions = nth(s.before, "learned_positions");
  const attention = nth(s.layer, "attention");
  const mlp = nth(s.layer, "mlp");
  const norm = nth(s.layer, NORM_OPS);
  const head = nth(s.after, ["lm_head", "linear"]);
  const d = num(embed, "width");
  const heads = num(attention, "heads");
  const table = rows(positions);
  const bound = sequenceBound(s.ir);
  return {
    modelType: "gpt2",
    layout: "hf-gpt2",
    prefixedName: "transformer.wte.weight",
    config: {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: rows(embed),
      n_positions: table,
      n_embd: d,
      n_layer: s.layers,
      n_head: heads,
      n_inner: num(mlp, "hidden"),
      activation_function: HF_ACTIVATION[String(mlp?.attrs["act"])] ?? String(mlp?.attrs["act"]),
      layer_norm_epsilon: num(norm, "eps"),
      scale_attn_weights: num(attention, "scale") !== 1 || d / heads === 1,
      tie_word_embeddings: head?.tiedTo != null,
    },
    ...(bound !== undefined && bound < table ? { context: bound } : {}),
  };
}
