/**
 * The shape of a model as the weight maps see it: the repeated stacks (each `repeat` scope, one
 * layer per index) and the nodes outside them. Name maps walk this structure and match nodes by op
 * and occurrence, so they do not depend on the scope names a spec chose.
 */
import type { TypedIr, TypedNode } from "../../contracts/ir/schema.ts";

/** One repetition of a repeat scope: its nodes in execution order. */
export interface Layer {
  /** The index in the node names (`h.3.…` → 3). */
  index: number;
  nodes: TypedNode[];
}

/** The layers of one repeat scope, in order. */
export interface Stack {
  /** The scope's name (`h`, `encoder`, `layers`). */
  scope: string;
  layers: Layer[];
  /** The ids of the stack's first and last nodes. */
  first: number;
  last: number;
}

export interface ModelStructure {
  stacks: Stack[];
  /** Nodes outside every repeat, in execution order. */
  top: TypedNode[];
  /** The node that produces each value id. */
  producer: Map<number, TypedNode>;
}

/** Splits a node name at its first numeric segment: `enc.2.block.attention` → enc, 2. */
function repeatOf(name: string): { scope: string; index: number } | undefined {
  const segments = name.split(".");
  const at = segments.findIndex((s, i) => i > 0 && /^\d+$/.test(s));
  if (at < 0) return undefined;
  return { scope: segments.slice(0, at).join("."), index: Number(segments[at]) };
}

/** Groups the typed IR's nodes into repeat stacks and top-level nodes. */
export function analyse(ir: TypedIr): ModelStructure {
  const stacks = new Map<string, Stack>();
  const top: TypedNode[] = [];
  const producer = new Map<number, TypedNode>();
  for (const node of ir.nodes) {
    producer.set(node.output, node);
    const repeat = repeatOf(node.name);
    if (!repeat) {
      top.push(node);
      continue;
    }
    let stack = stacks.get(repeat.scope);
    if (!stack) {
      stack = { scope: repeat.scope, layers: [], first: node.id, last: node.id };
      stacks.set(repeat.scope, stack);
    }
    stack.last = node.id;
    let layer = stack.layers.find((l) => l.index === repeat.index);
    if (!layer) {
      layer = { index: repeat.index, nodes: [] };
      stack.layers.push(layer);
    }
    layer.nodes.push(node);
  }
  for (const stack of stacks.values()) stack.layers.sort((a, b) => a.index - b.index);
  return { stacks: [...stacks.values()], top, producer };
}

export const NORM_OPS = ["layernorm", "rmsnorm"];

/** The k-th (0-based) node whose op is one of `ops`. */
export function nth(
  nodes: readonly TypedNode[],
  ops: string | readonly string[],
  k = 0,
): TypedNode | undefined {
  const wanted = typeof ops === "string" ? [ops] : ops;
  return nodes.filter((n) => wanted.includes(n.op))[k];
}

/** Top-level nodes strictly between two node ids (exclusive). */
export function topBetween(s: ModelStructure, after: number, before: number): TypedNode[] {
  return s.top.filter((n) => n.id > after && n.id < before);
}
