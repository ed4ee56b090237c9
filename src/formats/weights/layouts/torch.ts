/**
 * PyTorch's own transformer modules, state_dicts as `torch.save(module.state_dict())` or
 * safetensors' `save_file` writes them: nn.Transformer, nn.TransformerEncoder / Decoder and a lone
 * nn.TransformerEncoderLayer / DecoderLayer, optionally under a prefix (a wrapper module's
 * attribute, `transformer.`).
 *
 * A stack holding `cross_attention` is a decoder, the other an encoder. A spec with both reads
 * nn.Transformer's names (`encoder.layers.i`, `decoder.layers.i`, final norms `encoder.norm`,
 * `decoder.norm`); a spec with one stack reads nn.TransformerEncoder/Decoder's (`layers.i`,
 * `norm`); a spec with no repeat is one layer (`self_attn`, …), every norm of it a norm of the
 * layer. In a layer: `attention` is
 * `self_attn`, `cross_attention` is `multihead_attn` (nn.MultiheadAttention: q | k | v stacked in
 * `in_proj_weight` [3d, d] and `in_proj_bias`, `out_proj` is o), the mlp is `linear1` (up) and
 * `linear2` (down), and the k-th norm is `norm{k+1}`: the order of use is the order of the names
 * whether `norm_first` is true or not. The final norm of a stack is the first norm after it. Other
 * weights outside the stacks (embeddings, heads, which PyTorch's modules lack) keep their Loom
 * names.
 */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import { NORM_OPS, nth, topBetween, type ModelStructure, type Stack } from "../structure.ts";
import { Bindings, findPrefix, type LayoutMap } from "./map.ts";

/** The output rows of a node's projection weight (`q.weight` [rows, in]; 0 when it has none). */
function rows(node: TypedNode, projection: string): number {
  return node.weights.find((w) => w.name === `${projection}.weight`)?.shape[0] ?? 0;
}

/** nn.MultiheadAttention at `to`: the fused in_proj split into q, k, v; out_proj is o. */
function multihead(b: Bindings, node: TypedNode | undefined, to: string): void {
  if (!node) return;
  const [q, k, v] = ["q", "k", "v"].map((p) => rows(node, p)) as [number, number, number];
  const total = q + k + v;
  b.fusedRows(node, "q", `${to}.in_proj`, 0, total, "in_proj (q | k | v)");
  b.fusedRows(node, "k", `${to}.in_proj`, q, total, "in_proj (q | k | v)");
  b.fusedRows(node, "v", `${to}.in_proj`, q + k, total, "in_proj (q | k | v)");
  b.module(node, "o", `${to}.out_proj`);
}

/**
 * One nn.TransformerEncoderLayer or nn.TransformerDecoderLayer at `l` ("" for no prefix); returns
 * the nodes it binds.
 */
function layer(b: Bindings, nodes: readonly TypedNode[], l: string): TypedNode[] {
  const selfAttention = nth(nodes, "attention");
  const crossAttention = nth(nodes, "cross_attention");
  multihead(b, selfAttention, `${l}self_attn`);
  multihead(b, crossAttention, `${l}multihead_attn`);
  const mlp = nth(nodes, "mlp");
  b.module(mlp, "up", `${l}linear1`);
  b.module(mlp, "down", `${l}linear2`);
  const norms = nodes.filter((n) => NORM_OPS.includes(n.op));
  norms.forEach((norm, k) => b.module(norm, "", `${l}norm${k + 1}`));
  return [selfAttention, crossAttention, mlp, ...norms].filter((n) => n !== undefined);
}

/** A stack's layers at `<at>layers.i`, and the norm after it (before `next`) at `<at>norm`. */
function stackWithNorm(
  b: Bindings,
  s: ModelStructure,
  stack: Stack,
  next: number,
  at: string,
  /** Collects the top-level nodes bound here. */
  bound: Set<TypedNode>,
): void {
  stack.layers.forEach((l, i) => layer(b, l.nodes, `${at}layers.${i}.`));
  const norm = nth(topBetween(s, stack.last, next), NORM_OPS);
  if (norm) {
    b.module(norm, "", `${at}norm`);
    bound.add(norm);
  }
}

export function torchMap(s: ModelStructure, names: ReadonlySet<string>): LayoutMap {
  const b = new Bindings();
  const bound = new Set<TypedNode>();
  const isDecoder = (stack: Stack) =>
    stack.layers.some((l) => l.nodes.some((n) => n.op === "cross_attention"));
  const encoder = s.stacks.find((x) => !isDecoder(x));
  const decoder = s.stacks.find(isDecoder);
  if (encoder && decoder) {
    const p = findPrefix(names, ["encoder.layers.0.self_attn.in_proj_weight"]);
    stackWithNorm(b, s, encoder, decoder.first, `${p}encoder.`, bound);
    stackWithNorm(b, s, decoder, Infinity, `${p}decoder.`, bound);
  } else if (encoder ?? decoder) {
    const p = findPrefix(names, ["layers.0.self_attn.in_proj_weight"]);
    stackWithNorm(b, s, (encoder ?? decoder)!, Infinity, p, bound);
  } else {
    const p = findPrefix(names, ["self_attn.in_proj_weight"]);
    layer(b, s.top, p).forEach((n) => bound.add(n));
  }
  for (const node of s.top)
    if (!bound.has(node))
      for (const w of node.weights) b.copy(node, w.name, `${node.name}.${w.name}`);
  return { layout: "torch", bindings: b.bindings, tiedCopies: b.tiedCopies, ignore: [] };
}
