/** Expressions: literals, names, and arithmetic on dims, numbers and tensors. */
import type * as A from "../../../grammar/ast.ts";
import {
  dimAdd,
  dimConst,
  dimDivExact,
  dimMul,
  dimStatic,
  dimSub,
  formatDim,
} from "../../contracts/dims.ts";
import { didYouMean } from "../../contracts/suggest.ts";
import { LAYERS } from "../layers/catalog.ts";
import type { Elaboration } from "./context.ts";
import type { Env } from "./env.ts";
import type { Scope } from "./naming.ts";
import { describeValue, isNumeric, numericValue, type Value } from "./values.ts";
import { call } from "./calls.ts";
import { comparison, isComparison } from "./comparisons.ts";

export function expression(cx: Elaboration, expr: A.Expression, env: Env, scope: Scope): Value {
  switch (expr.kind) {
    case "number": {
      const integral = /^[\d_]+$/.test(expr.raw) && Number.isSafeInteger(expr.value);
      return integral
        ? { kind: "dim", dim: dimConst(expr.value), notes: [], span: expr.span }
        : { kind: "number", value: expr.value, notes: [], span: expr.span };
    }
    case "string":
      return { kind: "string", value: expr.value, span: expr.span };
    case "bool":
      return { kind: "bool", value: expr.value, span: expr.span };
    case "name":
      return lookup(cx, expr, env);
    case "negate":
      return negate(cx, expr, env, scope);
    case "binary":
      return binary(cx, expr, env, scope);
    case "call": {
      const value = call(cx, expr, env, scope);
      // Its error is reported; a later `tied_to` naming its label should not add another.
      if (value.kind === "poison" && expr.label) cx.failedLabels.add(expr.label.name);
      return value;
    }
  }
}

export function lookup(cx: Elaboration, ref: A.NameRef, env: Env): Value {
  const value = env.use(ref.name.name, ref.name.span);
  if (value) return { ...value, span: ref.span } as Value;
  const takers = LAYERS.filter((l) =>
    l.params.some((p) => p.kind === "flag" && p.name === ref.name.name),
  ).map((l) => `\`${l.name}\``);
  cx.diagnostics.report("E0205", ref.span, `\`${ref.name.name}\` is not defined`, {
    label: "undefined name",
    hint:
      takers.length > 0
        ? `\`${ref.name.name}\` is a flag of ${takers.join(" and ")}: pass it as an argument of ${takers.length === 1 ? "that layer" : "one of them"}`
        : didYouMean(ref.name.name, env.names(), "names defined"),
  });
  return { kind: "poison", span: ref.span };
}

function negate(cx: Elaboration, expr: A.Negate, env: Env, scope: Scope): Value {
  const value = expression(cx, expr.operand, env, scope);
  if (value.kind === "dim")
    return { ...value, dim: dimSub(dimConst(0), value.dim), span: expr.span };
  if (value.kind === "number") return { ...value, value: -value.value, span: expr.span };
  if (value.kind === "tensor") return scaleNode(cx, value, -1, expr, scope);
  if (value.kind !== "poison") wrongOperand(cx, expr.operand, value, "negate");
  return { kind: "poison", span: expr.span };
}

function binary(cx: Elaboration, expr: A.Binary, env: Env, scope: Scope): Value {
  const left = expression(cx, expr.left, env, scope);
  const right = expression(cx, expr.right, env, scope);
  if (left.kind === "poison" || right.kind === "poison") return { kind: "poison", span: expr.span };
  const span = expr.span;
  if (isComparison(expr.op)) return comparison(cx, { ...expr, op: expr.op }, left, right, scope);
  if (left.kind === "dim" && right.kind === "dim") return dimArithmetic(cx, expr, left, right);
  if (isNumeric(left) && isNumeric(right)) {
    const a = numericValue(left)!;
    const b = numericValue(right)!;
    const value =
      expr.op === "+" ? a + b : expr.op === "-" ? a - b : expr.op === "*" ? a * b : a / b;
    return { kind: "number", value, notes: [...left.notes, ...right.notes], span };
  }
  if (left.kind === "tensor" && right.kind === "tensor") {
    const op = ({ "+": "add", "-": "sub", "*": "mul", "/": "div" } as const)[expr.op];
    return cx.emit(
      op,
      { a: left.id, b: right.id },
      {},
      scope.fresh(op),
      {
        span,
        callee: { file: span.file, start: expr.left.span.end, end: expr.right.span.start },
        args: { a: expr.left.span, b: expr.right.span },
        notes: {},
        labelSpans: {},
      },
      left.dtype,
    );
  }
  if (left.kind === "tensor" && isNumeric(right) && (expr.op === "*" || expr.op === "/")) {
    const factor = numericValue(right)!;
    return scaleNode(cx, left, expr.op === "*" ? factor : 1 / factor, expr, scope);
  }
  if (right.kind === "tensor" && isNumeric(left) && expr.op === "*") {
    return scaleNode(cx, right, numericValue(left)!, expr, scope);
  }
  const bad = left.kind === "tensor" ? right : left;
  const badExpr = left.kind === "tensor" ? expr.right : expr.left;
  wrongOperand(
    cx,
    badExpr,
    bad,
    `use \`${expr.op}\` with`,
    left.kind === "tensor" || right.kind === "tensor",
  );
  return { kind: "poison", span };
}

function dimArithmetic(
  cx: Elaboration,
  expr: A.Binary,
  left: Extract<Value, { kind: "dim" }>,
  right: Extract<Value, { kind: "dim" }>,
): Value {
  const notes = [...new Set([...left.notes, ...right.notes])];
  const span = expr.span;
  switch (expr.op) {
    case "+":
      return { kind: "dim", dim: dimAdd(left.dim, right.dim), notes, span };
    case "-":
      return { kind: "dim", dim: dimSub(left.dim, right.dim), notes, span };
    case "*":
      return { kind: "dim", dim: dimMul(left.dim, right.dim), notes, span };
    default: {
      const exact = dimDivExact(left.dim, right.dim);
      if (exact) return { kind: "dim", dim: exact, notes, span };
      const a = dimStatic(left.dim);
      const b = dimStatic(right.dim);
      if (a !== undefined && b !== undefined && b !== 0)
        return { kind: "number", value: a / b, notes, span };
      cx.diagnostics.report(
        "E0301",
        span,
        `${formatDim(left.dim)} / ${formatDim(right.dim)} is not an exact division`,
        {
          label: b === 0 ? "division by zero" : "not exact",
          notes,
        },
      );
      return { kind: "poison", span };
    }
  }
}

function wrongOperand(
  cx: Elaboration,
  expr: A.Expression,
  value: Value,
  verb: string,
  withTensor = false,
): void {
  cx.diagnostics.report(
    "E0210",
    expr.span,
    `cannot ${verb} ${describeValue(value)}${withTensor ? " and a tensor" : ""}`,
    {
      label: describeValue(value),
      hint: withTensor
        ? "tensors combine with tensors (`x + y`) and scale by numbers (`x * 0.5`)"
        : "arithmetic works on dims, numbers and tensors",
    },
  );
}

function scaleNode(
  cx: Elaboration,
  value: Extract<Value, { kind: "tensor" }>,
  factor: number,
  expr: A.Expression,
  scope: Scope,
): Value {
  return cx.emit(
    "scale",
    { x: value.id },
    { factor },
    scope.fresh("scale"),
    {
      span: expr.span,
      callee: expr.span,
      args: {},
      notes: {},
      labelSpans: {},
    },
    value.dtype,
  );
}
