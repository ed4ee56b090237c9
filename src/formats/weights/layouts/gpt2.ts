/**
 * Hugging Face GPT-2 (GPT2Model / GPT2LMHeadModel; names optionally under `transformer.`).
 *
 * Assumes one repeat stack of pre-norm blocks. In layer i, by occurrence: the 1st norm is
 * `h.i.ln_1`, the attention `h.i.attn`, the 2nd norm `h.i.ln_2`, the mlp `h.i.mlp`. Before the
 * stack: the embedding is `wte`, learned positions `wpe`; after it: the norm is `ln_f`, an untied
 * head `lm_head` (a tied head has no tensor; a `lm_head.weight` copy of `wte` is accepted).
 * GPT-2's Conv1D stores weights [in, out], so every projection is transposed; `attn.c_attn` is
 * q|k|v fused along its output columns and is split into Loom's q, k and v. The causal-mask
 * buffers `attn.bias` and `attn.masked_bias` of older checkpoints are ignored.
 */
import { NORM_OPS, nth, topBetween, type ModelStructure } from "../structure.ts";
import { Bindings, findPrefix, tiedWeight, type LayoutMap } from "./map.ts";

export function gpt2Map(s: ModelStructure, names: ReadonlySet<string>): LayoutMap {
  const p = findPrefix(names, ["h.0.ln_1.weight", "h.0.attn.c_attn.weight", "wte.weight"]);
  const b = new Bindings();
  const stack = s.stacks[0];
  const before = stack ? topBetween(s, -1, stack.first) : s.top;
  const after = stack ? topBetween(s, stack.last, Infinity) : [];

  const wte = before.find((n) => n.op === "embed" && !n.tiedTo);
  b.module(wte, "", `${p}wte`, ["weight"]);
  b.module(nth(before, "learned_positions"), "", `${p}wpe`, ["weight"]);

  stack?.layers.forEach((layer, i) => {
    const h = `${p}h.${i}`;
    b.module(nth(layer.nodes, NORM_OPS, 0), "", `${h}.ln_1`);
    b.module(nth(layer.nodes, NORM_OPS, 1), "", `${h}.ln_2`);
    const attn = nth(layer.nodes, "attention");
    const rows = (w: string) => attn?.weights.find((x) => x.name === `${w}.weight`)?.shape[0] ?? 0;
    const total = rows("q") + rows("k") + rows("v");
    b.fusedConv1d(attn, "q", `${h}.attn.c_attn`, 0, total, "q|k|v");
    b.fusedConv1d(attn, "k", `${h}.attn.c_attn`, rows("q"), total, "q|k|v");
    b.fusedConv1d(attn, "v", `${h}.attn.c_attn`, rows("q") + rows("k"), total, "q|k|v");
    b.conv1d(attn, "o", `${h}.attn.c_proj`);
    const mlp = nth(layer.nodes, "mlp");
    b.conv1d(mlp, "up", `${h}.mlp.c_fc`);
    b.conv1d(mlp, "down", `${h}.mlp.c_proj`);
  });

  b.module(nth(after, NORM_OPS), "", `${p}ln_f`);
  const head = nth(after, ["lm_head", "linear"]);
  if (head?.tiedTo) {
    b.tiedCopy("lm_head.weight", tiedWeight(head));
    b.module(head, "", "lm_head", ["bias"]);
  } else b.module(head, "", "lm_head");
  return {
    layout: "hf-gpt2",
    bindings: b.bindings,
    tiedCopies: b.tiedCopies,
    ignore: [/(^|\.)attn\.(bias|masked_bias)$/],
  };
}
