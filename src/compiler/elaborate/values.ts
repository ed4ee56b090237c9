import { type Dim, dimStatic, formatDim } from "../../contracts/dims.ts";
import type { Dtype } from "../../contracts/ir/schema.ts";
import type { Span } from "../../contracts/source.ts";

/** What an expression evaluates to during elaboration. */
export type Value =
  /** A tensor produced by an input or a node; its shape is the checker's business. */
  | { kind: "tensor"; id: number; dtype: Dtype; span: Span }
  /** A relative_position_bias(...) table, consumed by attention. */
  | { kind: "position_bias"; id: number; span: Span }
  /** An integer size, static or symbolic; `notes` say which definitions it came from. */
  | { kind: "dim"; dim: Dim; notes: string[]; span: Span }
  | { kind: "number"; value: number; notes: string[]; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "rope"; theta: number; span: Span }
  /** The result of an expression that already produced an error; silences follow-on errors. */
  | { kind: "poison"; span: Span };

/** Describes a value for an error message: "the tensor `x`", "the number 0.5". */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case "tensor":
      return `${value.dtype === "int" ? "an" : "a"} ${value.dtype} tensor`;
    case "position_bias":
      return "a position bias";
    case "dim": {
      const n = dimStatic(value.dim);
      return n === undefined ? `the dim \`${formatDim(value.dim)}\`` : `the number ${n}`;
    }
    case "number":
      return `the number ${value.value}`;
    case "bool":
      return `\`${value.value}\``;
    case "string":
      return "a string";
    case "rope":
      return "a rope(...) option";
    case "poison":
      return "an invalid value";
  }
}

/** A value as a size in a message: `d * 4`, `0.5`, or its description. */
export function showValue(value: Value): string {
  if (value.kind === "dim") return formatDim(value.dim);
  if (value.kind === "number") return String(value.value);
  return describeValue(value);
}

/** The number a static dim or a number holds; undefined for anything else. */
export function numericValue(value: Value): number | undefined {
  if (value.kind === "number") return value.value;
  if (value.kind === "dim") return dimStatic(value.dim);
  return undefined;
}

export function isNumeric(value: Value): value is Extract<Value, { kind: "dim" | "number" }> {
  return numericValue(value) !== undefined;
}
