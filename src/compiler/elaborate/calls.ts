/** Calls: built-in layers, the rope(...) and sqrt(...) options, and the dispatch to blocks. */
import type * as A from "../../../grammar/ast.ts";
import type { Dtype } from "../../contracts/ir/schema.ts";
import { didYouMean } from "../../contracts/suggest.ts";
import { findLayer, LAYERS } from "../layers/catalog.ts";
import type { LayerSignature, ParamSpec, Scalar } from "../layers/signature.ts";
import { bindArguments } from "./bind-args.ts";
import type { Elaboration, NodeOrigin } from "./context.ts";
import type { Env } from "./env.ts";
import type { Scope } from "./naming.ts";
import type { Value } from "./values.ts";
import { argument, numberArg } from "./arguments.ts";
import { blockCall } from "./blocks.ts";
import { expression } from "./expressions.ts";

export function call(cx: Elaboration, call: A.Call, env: Env, scope: Scope): Value {
  const name = call.callee.name;
  if (name === "rope" || name === "sqrt") return optionCall(cx, call, env, scope);
  const layer = findLayer(name);
  if (layer) {
    cx.recorder?.layer(name, call.callee.span);
    return layerCall(cx, call, layer, env, scope);
  }
  const block = cx.spec.blocks.get(name);
  if (block) {
    cx.recorder?.reference(name, "block", call.callee.span, block.name.span);
    return blockCall(cx, call, block, env, scope);
  }
  const known = [...LAYERS.map((l) => l.name), ...cx.spec.blocks.keys()];
  cx.diagnostics.report("E0203", call.callee.span, `unknown layer \`${name}\``, {
    label: "no layer or block has this name",
    hint: didYouMean(name, known, "layers and blocks"),
  });
  evaluateForErrors(cx, call, env, scope);
  return { kind: "poison", span: call.span };
}

/** Evaluates a failed call's operands for their own errors; bare names may be flags or labels. */
export function evaluateForErrors(cx: Elaboration, call: A.Call, env: Env, scope: Scope): void {
  for (const arg of call.args) {
    if (arg.value.kind === "name" && !env.has(arg.value.name.name)) continue;
    expression(cx, arg.value, env, scope);
  }
}

function optionCall(cx: Elaboration, call: A.Call, env: Env, scope: Scope): Value {
  const name = call.callee.name;
  if (call.label) noLabel(cx, call);
  const params: ParamSpec[] =
    name === "rope"
      ? [
          {
            name: "theta",
            kind: "number",
            positional: true,
            default: 10000,
            doc: "rotation base",
          },
        ]
      : [{ name: "value", kind: "number", positional: true, required: true, doc: "the number" }];
  const bound = bindArguments(call, params, `\`${name}\``, cx.diagnostics);
  if (!bound) return { kind: "poison", span: call.span };
  const arg = bound.get(params[0]!.name);
  const number = arg ? numberArg(cx, arg, env, scope) : 10000;
  if (number === undefined) return { kind: "poison", span: call.span };
  if (name === "rope") {
    if (number <= 0) {
      cx.diagnostics.report("E0210", arg!.span, `rope theta must be positive, found ${number}`, {
        label: "not positive",
      });
      return { kind: "poison", span: call.span };
    }
    return { kind: "rope", theta: number, span: call.span };
  }
  if (number < 0) {
    cx.diagnostics.report("E0210", arg!.span, `sqrt of a negative number (${number})`, {
      label: "negative",
    });
    return { kind: "poison", span: call.span };
  }
  return { kind: "number", value: Math.sqrt(number), notes: [], span: call.span };
}

function noLabel(cx: Elaboration, call: A.Call): void {
  cx.diagnostics.report(
    "E0210",
    call.label!.span,
    `\`${call.callee.name}(…)\` is not a layer and cannot be labelled`,
    {
      label: "label not allowed here",
    },
  );
}

function layerCall(
  cx: Elaboration,
  call: A.Call,
  layer: LayerSignature,
  env: Env,
  scope: Scope,
): Value {
  const what = `\`${layer.name}\``;
  const bound = bindArguments(call, layer.params, what, cx.diagnostics);
  if (!bound) {
    evaluateForErrors(cx, call, env, scope);
    return { kind: "poison", span: call.span };
  }
  const inputs: Record<string, number> = {};
  const attrs: Record<string, Scalar> = { ...layer.fixed };
  const origin: NodeOrigin = {
    span: call.span,
    callee: call.callee.span,
    args: {},
    notes: {},
    labelSpans: {},
  };
  let ok = true;
  let dtype: Dtype = "float";
  for (const param of layer.params) {
    const arg = bound.get(param.name);
    if (!arg) {
      if (param.kind === "tensor") continue;
      attrs[param.name] = param.default ?? null;
      continue;
    }
    origin.args[param.name] = arg.span;
    const result = argument(cx, arg, env, scope, origin);
    if (result === undefined) {
      ok = false;
      continue;
    }
    if (typeof result === "object" && result !== null) {
      inputs[param.name] = result.id;
      if (param.name === "x") dtype = layer.dtype ?? result.dtype;
    } else attrs[param.name] = result;
  }
  if (!ok) return { kind: "poison", span: call.span };
  if (layer.op === "relative_position_bias") {
    const value = cx.emit(
      layer.op,
      inputs,
      attrs,
      layerName(cx, call, layer.op, scope),
      origin,
      "float",
    );
    return value.kind === "tensor"
      ? { kind: "position_bias", id: value.id, span: call.span }
      : value;
  }
  return cx.emit(layer.op, inputs, attrs, layerName(cx, call, layer.op, scope), origin, dtype);
}

export function layerName(cx: Elaboration, call: A.Call, op: string, scope: Scope): string {
  if (!call.label) return scope.fresh(op);
  const name = scope.claim(call.label.name);
  if (name === undefined) {
    cx.diagnostics.report(
      "E0206",
      call.label.span,
      `label \`${call.label.name}\` is already used in this scope`,
      {
        label: "used twice",
        hint: "labels name weights, so each must be unique within its block or repeat",
      },
    );
    return scope.fresh(call.label.name);
  }
  cx.labels.set(call.label.name, { name, span: call.label.span });
  cx.recorder?.reference(call.label.name, "label", call.label.span, call.label.span);
  return name;
}
