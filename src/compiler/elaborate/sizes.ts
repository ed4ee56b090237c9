/** Static sizes: counts, bounds and dims that must be positive integers known at compile time. */
import type * as A from "../../../grammar/ast.ts";
import { dimStatic } from "../../contracts/dims.ts";
import type { Span } from "../../contracts/source.ts";
import type { Elaboration } from "./context.ts";
import type { Env } from "./env.ts";
import { Scope } from "./naming.ts";
import { numericValue, showValue, type Value } from "./values.ts";
import { expression } from "./expressions.ts";

export function staticDim(
  cx: Elaboration,
  expr: A.Expression,
  env: Env,
  what: string,
): number | undefined {
  return positiveInteger(cx, expression(cx, expr, env, new Scope("")), expr.span, what);
}

export function positiveInteger(
  cx: Elaboration,
  value: Value,
  span: Span,
  what: string,
): number | undefined {
  if (value.kind === "poison") return undefined;
  const n = numericValue(value);
  if (n !== undefined && Number.isSafeInteger(n) && n > 0) return n;
  const notes = value.kind === "dim" || value.kind === "number" ? value.notes : [];
  if (n !== undefined && Number.isInteger(n) && n > 0) {
    cx.diagnostics.report("E0301", span, `${what} is too large: ${n}`, {
      label: "above 2^53 - 1, the largest size Loom computes exactly",
      notes,
    });
    return undefined;
  }
  const symbolic = value.kind === "dim" && dimStatic(value.dim) === undefined;
  cx.diagnostics.report(
    symbolic ? "E0301" : n === undefined ? "E0210" : "E0301",
    span,
    `${what} must be a positive integer, found ${showValue(value)}`,
    {
      label: symbolic ? "a dynamic dim is not a static size" : "not a positive integer",
      notes,
    },
  );
  return undefined;
}
