import { z } from "zod";

/**
 * The Layer IR (what elaboration produces) and the typed IR (what the shape checker adds).
 * These schemas are the format's documentation: `loom check --emit ir-json` prints a TypedIr
 * (`--emit ir` prints it as text, src/compiler/print/ir.ts).
 */

/** Where a node came from: file, 1-based line and column, and the offsets of the span. */
export const SourceRef = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});
export type SourceRef = z.infer<typeof SourceRef>;

/** A dim in a shape: a static size, or a symbolic expression such as "seq" or "seq + 1". */
export const DimJson = z.union([z.number().int().positive(), z.string().min(1)]);

export const Dtype = z.enum(["int", "float", "bool"]);
export type Dtype = z.infer<typeof Dtype>;

export const AttrValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** A value id: every tensor (or position bias) in the model has one, numbered from 0. */
export const ValueId = z.number().int().nonnegative();

export const StaticDim = z.object({
  name: z.string(),
  value: z.number(),
  source: SourceRef,
});

/** A dynamic dim (`seq`, `batch`), with its inclusive upper bound when one was given. */
export const SymbolDim = z.object({
  name: z.string(),
  bound: z.number().int().positive().nullable(),
  /** `seq <= 128 truncate`: inputs longer than the bound are cut to it (and the caller told). */
  truncate: z.literal(true).optional(),
  source: SourceRef,
});

export const InputDecl = z.object({
  name: z.string(),
  value: ValueId,
  dtype: Dtype,
  shape: z.array(DimJson),
  source: SourceRef,
});

export const OutputDecl = z.object({ name: z.string(), value: ValueId, source: SourceRef });

export const LayerNode = z.object({
  /** Index in `nodes`, which is in execution order. */
  id: z.number().int().nonnegative(),
  op: z.string(),
  /** Unique dotted scope name; weights are named `<name>.<weight>`. */
  name: z.string(),
  /** Tensor operands by role (x, memory, padding, position_bias, a, b, ids, image). */
  inputs: z.record(z.string(), ValueId),
  /** Evaluated attributes; null means "derived from the shapes by the checker". */
  attrs: z.record(z.string(), AttrValue),
  output: ValueId,
  source: SourceRef,
});
export type LayerNode = z.infer<typeof LayerNode>;

export const LayerIr = z.object({
  format: z.literal("loom.layer-ir"),
  version: z.literal(1),
  model: z.string(),
  /** The tokenizer the spec names (`tokenizer "gpt2"`), or null. */
  tokenizer: z.string().nullable(),
  dims: z.array(StaticDim),
  symbols: z.array(SymbolDim),
  inputs: z.array(InputDecl),
  outputs: z.array(OutputDecl),
  nodes: z.array(LayerNode),
});
export type LayerIr = z.infer<typeof LayerIr>;

export const ValueType = z.object({
  id: ValueId,
  /** "position_bias" values are tables applied inside attention, not tensors with a shape. */
  kind: z.enum(["tensor", "position_bias"]),
  dtype: Dtype,
  shape: z.array(DimJson),
});
export type ValueType = z.infer<typeof ValueType>;

/** A learned tensor, PyTorch layout ([out, in] for projections). */
export const Weight = z.object({ name: z.string(), shape: z.array(z.number().int().positive()) });
export type Weight = z.infer<typeof Weight>;

export const TypedNode = LayerNode.extend({
  /** The attributes with every derived (null) one filled in. */
  attrs: z.record(z.string(), AttrValue),
  weights: z.array(Weight),
  /** Weights shared with another node (tied): that node's name. */
  tiedTo: z.string().nullable(),
});
export type TypedNode = z.infer<typeof TypedNode>;

export const TypedIr = LayerIr.extend({
  format: z.literal("loom.typed-ir"),
  nodes: z.array(TypedNode),
  values: z.array(ValueType),
});
export type TypedIr = z.infer<typeof TypedIr>;
