/**
 * Hugging Face T5 (T5Model / T5ForConditionalGeneration / T5EncoderModel).
 *
 * The stack holding cross-attention is the decoder, the other the encoder. In layer i of a
 * stack, sublayer k is `<stack>.block.i.layer.k`: the k-th norm is its `layer_norm`, and the k-th
 * of the attention / cross_attention / mlp nodes (in order) is its `SelfAttention`,
 * `EncDecAttention` or `DenseReluDense` (`wi`, `wo`; gated T5 v1.1: `wi_0` gate, `wi_1` up). Each
 * stack's relative position bias (the node its self-attentions read) is stored on block 0:
 * `<stack>.block.0.layer.0.SelfAttention.relative_attention_bias` [buckets, heads], as Loom's.
 * Outside the stacks: the untied embedding is `shared`; the norm between the stacks is
 * `encoder.final_layer_norm`, the norm after the decoder `decoder.final_layer_norm`; an untied
 * head is `lm_head`. Copies of `shared` (`encoder.embed_tokens`, `decoder.embed_tokens`, and
 * `lm_head` when the spec ties it) are accepted.
 */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import { NORM_OPS, nth, topBetween, type ModelStructure, type Stack } from "../structure.ts";
import { Bindings, tiedWeight, type LayoutMap } from "./map.ts";

const SUBLAYERS: Record<string, string> = {
  attention: "SelfAttention",
  cross_attention: "EncDecAttention",
  mlp: "DenseReluDense",
};

export function t5Map(s: ModelStructure): LayoutMap {
  const b = new Bindings();
  const isDecoder = (stack: Stack) =>
    stack.layers.some((l) => l.nodes.some((n) => n.op === "cross_attention"));
  const decoder = s.stacks.find(isDecoder);
  const encoder = s.stacks.find((stack) => !isDecoder(stack));

  for (const [stack, name] of [
    [encoder, "encoder"],
    [decoder, "decoder"],
  ] as const) {
    if (!stack) continue;
    stack.layers.forEach((layer, i) => mapLayer(b, layer.nodes, `${name}.block.${i}`));
    const bias = positionBias(s, stack);
    b.module(bias, "", `${name}.block.0.layer.0.SelfAttention.relative_attention_bias`, ["weight"]);
  }

  const first = Math.min(...s.stacks.map((x) => x.first));
  const shared = s.top.find((n) => n.op === "embed" && !n.tiedTo && n.id < first);
  b.module(shared, "", "shared", ["weight"]);
  const sharedName = shared ? `${shared.name}.weight` : undefined;
  b.tiedCopy("encoder.embed_tokens.weight", sharedName);
  b.tiedCopy("decoder.embed_tokens.weight", sharedName);
  if (encoder) {
    const end = decoder && decoder.first > encoder.last ? decoder.first : Infinity;
    b.module(nth(topBetween(s, encoder.last, end), NORM_OPS), "", "encoder.final_layer_norm");
  }
  const after = topBetween(s, Math.max(...s.stacks.map((x) => x.last)), Infinity);
  if (decoder) b.module(nth(after, NORM_OPS), "", "decoder.final_layer_norm");
  const head = nth(after, ["lm_head", "linear"]);
  if (head?.tiedTo) b.tiedCopy("lm_head.weight", tiedWeight(head));
  else b.module(head, "", "lm_head");
  return { layout: "hf-t5", bindings: b.bindings, tiedCopies: b.tiedCopies, ignore: [] };
}

function mapLayer(b: Bindings, nodes: TypedNode[], block: string): void {
  nodes
    .filter((n) => NORM_OPS.includes(n.op))
    .forEach((norm, k) => b.module(norm, "", `${block}.layer.${k}.layer_norm`));
  nodes
    .filter((n) => SUBLAYERS[n.op] !== undefined)
    .forEach((node, k) => {
      const at = `${block}.layer.${k}.${SUBLAYERS[node.op]}`;
      if (node.op === "mlp") {
        const gated = node.weights.some((w) => w.name === "gate.weight");
        b.module(node, "gate", `${at}.wi_0`);
        b.module(node, "up", gated ? `${at}.wi_1` : `${at}.wi`);
        b.module(node, "down", `${at}.wo`);
      } else {
        for (const x of ["q", "k", "v", "o"]) b.module(node, x, `${at}.${x}`);
      }
    });
}

/** The relative_position_bias node the stack's self-attentions read. */
function positionBias(s: ModelStructure, stack: Stack): TypedNode | undefined {
  for (const layer of stack.layers)
    for (const node of layer.nodes) {
      const id = node.inputs["position_bias"];
      const source = id === undefined ? undefined : s.producer.get(id);
      if (source?.op === "relative_position_bias") return source;
    }
  return undefined;
}
