/**
 * What a family's config writer gives, and the helpers the writers share: reading sizes and
 * attributes off the typed IR's structure (the same repeat-stack view the weight maps use).
 */
import type { TypedIr, TypedNode } from "../../../contracts/ir/schema.ts";
import type { Layout } from "../../../formats/weights/layouts/index.ts";
import { topBetween, type ModelStructure } from "../../../formats/weights/structure.ts";
import type { Json } from "../../import/hf/fields.ts";

/** A config.json for one family, written from a spec. */
export interface HfConfig {
  /** The config's `model_type`. */
  modelType: string;
  /** The weight layout whose names the safetensors file uses. */
  layout: Exclude<Layout, "loom">;
  /** The fields, in the order they are written. */
  config: Record<string, Json>;
  /** The sequence bound to import the config with, when it is below the position table. */
  context?: number;
  /** A tensor name that puts the file's names under the prefix this architecture saves with. */
  prefixedName?: string;
}

/** The model as a config writer sees it: one stack, the nodes before and after it. */
export interface Shape {
  ir: TypedIr;
  structure: ModelStructure;
  /** The first layer's nodes (every layer is compared after the import). */
  layer: TypedNode[];
  layers: number;
  before: TypedNode[];
  after: TypedNode[];
}

/** The structure of a model with exactly one repeat stack; undefined otherwise. */
export function shapeOf(ir: TypedIr, structure: ModelStructure): Shape | undefined {
  if (structure.stacks.length !== 1) return undefined;
  const stack = structure.stacks[0]!;
  const first = stack.layers[0];
  if (!first) return undefined;
  return {
    ir,
    structure,
    layer: first.nodes,
    layers: stack.layers.length,
    before: topBetween(structure, -1, stack.first),
    after: topBetween(structure, stack.last, Infinity),
  };
}

/** A number attribute (0 when absent; the import comparison catches a wrong guess). */
export function num(node: TypedNode | undefined, name: string): number {
  const value = node?.attrs[name];
  return typeof value === "number" ? value : 0;
}

/** The first dim of a node's weight `name` (a vocabulary, a table's rows). */
export function rows(node: TypedNode | undefined, name = "weight"): number {
  return node?.weights.find((w) => w.name === name)?.shape[0] ?? 0;
}

/** The bound of the model's first input's sequence dim (the last dim with a bound). */
export function sequenceBound(ir: TypedIr): number | undefined {
  const bounded = ir.symbols.filter((s) => s.bound !== null);
  return bounded[bounded.length - 1]?.bound ?? undefined;
}

/** Loom's `act` as the Hugging Face activation name (ACT2FN) that means it. */
export const HF_ACTIVATION: Readonly<Record<string, string>> = {
  gelu: "gelu",
  gelu_tanh: "gelu_new",
  relu: "relu",
  silu: "silu",
  swiglu: "silu",
  geglu: "gelu",
};

/** The op names the spec uses, for messages. */
export function opsOf(ir: TypedIr): string[] {
  return [...new Set(ir.nodes.map((n) => n.op))];
}
