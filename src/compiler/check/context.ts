import type { DiagnosticBag, DiagnosticExtras } from "../../contracts/diagnostics/diagnostic.ts";
import type { Code } from "../../contracts/diagnostics/codes.ts";
import { type Dim, dimSymbols, dimUpperBound, formatDim } from "../../contracts/dims.ts";
import type { NodeOrigin } from "../elaborate/elaborate.ts";
import type { Dtype, LayerNode, Weight } from "../../contracts/ir/schema.ts";
import type { Scalar } from "../layers/signature.ts";
import type { Span } from "../../contracts/source.ts";

/** The checker's view of a value: a tensor with a shape, or a position-bias table. */
export interface TensorType {
  kind: "tensor" | "position_bias";
  dtype: Dtype;
  shape: Dim[];
  /** For a position bias: the heads it was built for. */
  heads?: number;
}

/** What a rule concludes about one node. */
export interface RuleResult {
  type: TensorType;
  /** Attributes, with derived ones (null in the Layer IR) filled in. */
  attrs: Record<string, Scalar>;
  weights: Weight[];
  tiedTo?: string;
}

/** Everything a shape rule may read, and the way it reports. */
export interface RuleContext {
  node: LayerNode;
  origin: NodeOrigin;
  /** Operand types by role; a missing role was not given. */
  inputs: Record<string, TensorType>;
  /** Upper bounds of dynamic dims (undefined when unbounded). */
  bounds: ReadonlyMap<string, number | undefined>;
  /** Where each dynamic dim was declared, e.g. "seq <= 128 (gpt.loom:3:28)". */
  symbolNotes: ReadonlyMap<string, string>;
  /** An earlier node by its scope name, with its result (for tied_to). */
  nodeByName(name: string): { node: LayerNode; result: RuleResult } | undefined;
  /** Whether the node of that scope name failed (its error is already reported). */
  nodeFailed(name: string): boolean;
  report(code: Code, span: Span, message: string, extra?: DiagnosticExtras): void;
}

/** A shape rule: the type of a node's output, or undefined after reporting an error. */
export type Rule = (ctx: RuleContext) => RuleResult | undefined;

/** "[batch, seq, 768]". */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map(formatDim).join(", ")}]`;
}

/** The caret span for an argument: where it was written, or the layer's name. */
export function argSpan(ctx: RuleContext, name: string): Span {
  return ctx.origin.args[name] ?? ctx.origin.callee;
}

/** Notes saying where a numeric argument's value came from. */
export function argNotes(ctx: RuleContext, ...names: string[]): string[] {
  return names.flatMap((n) => ctx.origin.notes[n] ?? []);
}

/** Notes on where the dynamic dims in `dim` were declared. */
export function symbolNotes(ctx: RuleContext, dim: Dim): string[] {
  return dimSymbols(dim).flatMap((s) => {
    const note = ctx.symbolNotes.get(s);
    return note ? [note] : [];
  });
}

export function upperBound(ctx: RuleContext, dim: Dim): number | undefined {
  return dimUpperBound(dim, ctx.bounds);
}

/** Reports into a bag with the rule's diagnostics conventions. */
export function reporter(bag: DiagnosticBag): RuleContext["report"] {
  return (code, span, message, extra) => bag.report(code, span, message, extra);
}
