import type { TypedIr, TypedNode } from "../../contracts/ir/schema.ts";
import { elements } from "./shapes.ts";

/**
 * FLOP counting convention (what `loom summary` reports as "FLOPs per token"):
 *
 * - A matmul costs 2 FLOPs per multiply-accumulate: an [rows, in] × [in, out] product is
 *   2 · rows · in · out. Every projection counts: Q, K, V, output, the MLP matrices (three when
 *   gated), the patch projection, pooler, classifier and LM head (tied or not).
 * - Mixture of experts: the router and, per token, only the top_k chosen experts and the
 *   shared expert.
 * - Attention adds scores (Q·Kᵀ) and the weighted sum (A·V): 2 · 2 · keys · heads · head_dim per
 *   query position, where keys is the length of the sequence attended to (all of it, causal or
 *   not; for cross-attention the source length).
 * - Biases, norms, activations, softmax, residual adds, position tables and embedding lookups
 *   are not counted: they are O(width) per token against O(width²) for the matmuls.
 *
 * The whole forward pass of one sequence is counted with every sequence dim at `seq` (capped at
 * its bound), then divided by the length of the longest hidden-state sequence (seq for a language
 * model, 197 for ViT-B/16). For an encoder-decoder with source and target both `seq` long, a
 * token's cost is thus its encoder share plus its decoder share.
 */
export function nodeFlops(node: TypedNode, shapes: ReadonlyMap<number, number[]>): number {
  const shapeOf = (role: string): number[] => {
    const id = node.inputs[role];
    const shape = id === undefined ? undefined : shapes.get(id);
    if (!shape) throw new Error(`node ${node.name}: no shape for \`${role}\``);
    return shape;
  };
  const attr = (name: string): number => {
    const v = node.attrs[name];
    if (typeof v !== "number")
      throw new Error(`node ${node.name}: attribute ${name} is not a number`);
    return v;
  };
  const out = shapes.get(node.output) ?? [];
  /** Rows a projection of the last axis is applied to, and that axis. */
  const rowsAndWidth = (shape: readonly number[]) => ({
    rows: elements(shape.slice(0, -1)),
    width: shape[shape.length - 1]!,
  });

  switch (node.op) {
    case "linear":
    case "classifier":
    case "lm_head":
    case "pooler": {
      // pooler: [batch, seq, width] → [batch, width] through a width × width dense layer.
      const rows = elements(out.slice(0, -1));
      const width = shapeOf("x").at(-1)!;
      return 2 * rows * width * out.at(-1)!;
    }
    case "mlp": {
      const { rows, width } = rowsAndWidth(shapeOf("x"));
      return 2 * rows * ffnMacs(width, attr("hidden"), attr("out"), String(node.attrs["act"]));
    }
    case "moe": {
      const { rows, width } = rowsAndWidth(shapeOf("x"));
      const act = String(node.attrs["act"]);
      const shared = node.attrs["shared_hidden"];
      const macs =
        width * attr("experts") +
        attr("top_k") * ffnMacs(width, attr("hidden"), width, act) +
        (typeof shared === "number" ? ffnMacs(width, shared, width, act) : 0);
      return 2 * rows * macs;
    }
    case "attention":
    case "cross_attention": {
      const [batch, queries, width] = shapeOf("x") as [number, number, number];
      const [, keys, keyWidth] = shapeOf(node.op === "cross_attention" ? "memory" : "x") as [
        number,
        number,
        number,
      ];
      const heads = attr("heads");
      const kvHeads = attr("kv_heads");
      const headDim = attr("head_dim");
      // The output projection's width: `out` (filled in by the checker), else the input's.
      const out = typeof node.attrs["out"] === "number" ? attr("out") : width;
      const qo = 2 * batch * queries * (width + out) * heads * headDim;
      const kv = 2 * batch * keys * 2 * keyWidth * kvHeads * headDim;
      const mixing = 2 * 2 * batch * queries * keys * heads * headDim;
      return qo + kv + mixing;
    }
    case "patch_embed": {
      const [batch, patches, width] = out as [number, number, number];
      const patch = attr("patch");
      return 2 * batch * patches * attr("channels") * patch * patch * width;
    }
    default:
      return 0;
  }
}

/** Multiply-accumulates of one feed-forward network per token: gated ones have two input matrices. */
function ffnMacs(width: number, hidden: number, out: number, act: string): number {
  const inputs = act === "swiglu" || act === "geglu" ? 2 : 1;
  return inputs * width * hidden + hidden * out;
}

/** Forward FLOPs of the whole model at the given evaluated shapes. */
export function forwardFlops(ir: TypedIr, shapes: ReadonlyMap<number, number[]>): number {
  return ir.nodes.reduce((sum, node) => sum + nodeFlops(node, shapes), 0);
}
