/** Comparisons of a tensor with a number (`tokens != 0`), which make bool masks. */
import type * as A from "../../../grammar/ast.ts";
import type { Elaboration } from "./context.ts";
import type { Scope } from "./naming.ts";
import { describeValue, isNumeric, numericValue, type Value } from "./values.ts";

const COMPARISONS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** `3 < x` is `x > 3`: the operator seen from the other side. */
const MIRRORED: Record<A.ComparisonOperator, A.ComparisonOperator> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

export function isComparison(op: A.BinaryOperator): op is A.ComparisonOperator {
  return COMPARISONS.has(op);
}

/**
 * A tensor compared elementwise with a number: a `compare` node whose output is a bool tensor of
 * the same shape. Anything else (two tensors, two numbers) is E0221.
 */
export function comparison(
  cx: Elaboration,
  expr: A.Binary & { op: A.ComparisonOperator },
  left: Value,
  right: Value,
  scope: Scope,
): Value {
  const span = expr.span;
  const tensorLeft = left.kind === "tensor" && isNumeric(right);
  const tensorRight = right.kind === "tensor" && isNumeric(left);
  if (!tensorLeft && !tensorRight) {
    cx.diagnostics.report(
      "E0221",
      span,
      `cannot compare ${describeValue(left)} with ${describeValue(right)}`,
      {
        label: "not a tensor compared with a number",
        hint: "comparisons make masks from a tensor and a number, e.g. `tokens != 0` for a padding id 0",
      },
    );
    return { kind: "poison", span };
  }
  const tensor = (tensorLeft ? left : right) as Extract<Value, { kind: "tensor" }>;
  const cmp = tensorLeft ? expr.op : MIRRORED[expr.op];
  const tensorExpr = tensorLeft ? expr.left : expr.right;
  return cx.emit(
    "compare",
    { x: tensor.id },
    { cmp, value: numericValue(tensorLeft ? right : left)! },
    scope.fresh("compare"),
    {
      span,
      callee: { file: span.file, start: expr.left.span.end, end: expr.right.span.start },
      args: { x: tensorExpr.span },
      notes: {},
      labelSpans: {},
    },
    "bool",
  );
}
