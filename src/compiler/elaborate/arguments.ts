/** A layer's arguments, evaluated by parameter kind: tensors, dims, numbers, flags, enums, labels. */
import type { Dtype } from "../../contracts/ir/schema.ts";
import { dimStatic, formatDim } from "../../contracts/dims.ts";
import { didYouMean } from "../../contracts/suggest.ts";
import type { Scalar } from "../layers/signature.ts";
import type { BoundArg } from "./bind-args.ts";
import type { Elaboration, NodeOrigin } from "./context.ts";
import type { Env } from "./env.ts";
import type { Scope } from "./naming.ts";
import { describeValue, numericValue, showValue } from "./values.ts";
import { expression } from "./expressions.ts";
import { positiveInteger } from "./sizes.ts";

/** Evaluates one argument for its parameter kind: a tensor operand or a scalar attribute. */
export function argument(
  cx: Elaboration,
  arg: BoundArg,
  env: Env,
  scope: Scope,
  origin: NodeOrigin,
): { id: number; dtype: Dtype } | Scalar | undefined {
  const param = arg.param;
  if (arg.flag) return true;
  switch (param.kind) {
    case "tensor":
    case "position_bias": {
      const value = expression(cx, arg.expr, env, scope);
      if (value.kind === "poison") return undefined;
      if (param.kind === "tensor" && value.kind === "tensor")
        return { id: value.id, dtype: value.dtype };
      if (param.kind === "position_bias" && value.kind === "position_bias")
        return { id: value.id, dtype: "float" };
      const wanted = param.kind === "tensor" ? "a tensor" : "a relative_position_bias(...) value";
      cx.diagnostics.report(
        param.name === "memory" ? "E0306" : "E0210",
        arg.expr.span,
        `\`${param.name}\` must be ${wanted}, found ${describeValue(value)}`,
        {
          label: describeValue(value),
          notes: [`${param.name}: ${param.doc}`],
        },
      );
      return undefined;
    }
    case "dim": {
      const value = expression(cx, arg.expr, env, scope);
      const n = positiveInteger(cx, value, arg.expr.span, `\`${param.name}\``);
      if (n !== undefined && (value.kind === "dim" || value.kind === "number"))
        origin.notes[param.name] = value.notes;
      return n;
    }
    case "number":
      return numberArg(cx, arg, env, scope, origin);
    case "bool":
    case "flag": {
      const value = expression(cx, arg.expr, env, scope);
      if (value.kind === "bool") return value.value;
      if (value.kind !== "poison") {
        cx.diagnostics.report(
          "E0210",
          arg.expr.span,
          `\`${param.name}\` must be true or false, found ${describeValue(value)}`,
          {
            label: "not a boolean",
          },
        );
      }
      return undefined;
    }
    case "enum":
      return enumArg(cx, arg);
    case "axis":
      return axisArg(cx, arg, env, scope, origin);
    case "label":
      return labelArg(cx, arg, origin);
    case "rope": {
      const value = expression(cx, arg.expr, env, scope);
      if (value.kind === "rope") return value.theta;
      if (value.kind === "bool") return value.value ? 10000 : null;
      if (value.kind !== "poison") {
        cx.diagnostics.report(
          "E0210",
          arg.expr.span,
          `\`rope\` must be rope(theta = …), found ${describeValue(value)}`,
          {
            label: "not a rope(...) option",
            hint: "write `rope(theta = 10000)`",
          },
        );
      }
      return undefined;
    }
  }
}

/**
 * An axis: an integer written as a number (an index, negative from the end) gives that number;
 * anything else that is a dim (`seq`, `d`) gives its text, which the checker matches to an axis.
 */
function axisArg(
  cx: Elaboration,
  arg: BoundArg,
  env: Env,
  scope: Scope,
  origin: NodeOrigin,
): Scalar | undefined {
  const expr = arg.expr;
  const literal =
    expr.kind === "number" || (expr.kind === "negate" && expr.operand.kind === "number");
  const value = expression(cx, expr, env, scope);
  if (value.kind === "poison") return undefined;
  if (literal && value.kind === "dim") {
    const index = dimStatic(value.dim);
    if (index !== undefined) return index;
  }
  if (!literal && value.kind === "dim") {
    origin.notes[arg.param.name] = value.notes;
    return formatDim(value.dim);
  }
  cx.diagnostics.report(
    "E0220",
    expr.span,
    `\`${arg.param.name}\` must be a dim name or an integer index, found ${showValue(value)}`,
    {
      label: "not an axis",
      hint: "name the axis by its dim (`sum(x, seq)`) or give its index (`sum(x, 1)`, `sum(x, -1)`)",
    },
  );
  return undefined;
}

export function numberArg(
  cx: Elaboration,
  arg: BoundArg,
  env: Env,
  scope: Scope,
  origin?: NodeOrigin,
): number | undefined {
  const value = expression(cx, arg.expr, env, scope);
  const n = numericValue(value);
  if (n !== undefined) {
    if (origin && (value.kind === "dim" || value.kind === "number"))
      origin.notes[arg.param.name] = value.notes;
    return n;
  }
  if (value.kind !== "poison") {
    cx.diagnostics.report(
      "E0210",
      arg.expr.span,
      `\`${arg.param.name}\` must be a number, found ${showValue(value)}`,
      {
        label: "not a number",
      },
    );
  }
  return undefined;
}

function enumArg(cx: Elaboration, arg: BoundArg): string | undefined {
  const values = arg.param.values ?? [];
  const expr = arg.expr;
  if (expr.kind === "name" && values.includes(expr.name.name)) return expr.name.name;
  const written = expr.kind === "name" ? expr.name.name : undefined;
  cx.diagnostics.report(
    "E0210",
    expr.span,
    written
      ? `unknown ${arg.param.name} \`${written}\``
      : `\`${arg.param.name}\` must be one of its names`,
    {
      label: `not a known ${arg.param.name}`,
      hint: written
        ? `${didYouMean(written, values, `${arg.param.name} values`)}`
        : `one of ${values.join(", ")}`,
      notes: [`${arg.param.name} is one of: ${values.join(", ")}`],
    },
  );
  return undefined;
}

function labelArg(cx: Elaboration, arg: BoundArg, origin: NodeOrigin): string | undefined {
  const expr = arg.expr;
  if (expr.kind !== "name") {
    cx.diagnostics.report("E0210", expr.span, `\`${arg.param.name}\` must name a labelled layer`, {
      label: "not a label",
      hint: "label the layer with `as`, e.g. `embed(tokens, vocab, d) as wte`, then write `tied_to = wte`",
    });
    return undefined;
  }
  const found = cx.labels.get(expr.name.name);
  if (!found && cx.failedLabels.has(expr.name.name)) return undefined;
  if (!found) {
    cx.diagnostics.report("E0205", expr.span, `no layer is labelled \`${expr.name.name}\``, {
      label: "unknown label",
      hint: cx.labels.size
        ? didYouMean(expr.name.name, [...cx.labels.keys()], "labels")
        : "label the layer with `as`, e.g. `embed(tokens, vocab, d) as wte`",
    });
    return undefined;
  }
  origin.labelSpans[arg.param.name] = found.span;
  cx.recorder?.reference(expr.name.name, "label", expr.name.span, found.span);
  return found.name;
}
