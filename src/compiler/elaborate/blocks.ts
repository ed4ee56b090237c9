/** Blocks: a call binds the parameters in a fresh environment and expands the body inline. */
import type * as A from "../../../grammar/ast.ts";
import type { Span } from "../../contracts/source.ts";
import type { ParamSpec } from "../layers/signature.ts";
import { bindArguments } from "./bind-args.ts";
import type { Elaboration } from "./context.ts";
import { Env } from "./env.ts";
import { Scope } from "./naming.ts";
import { showValue, type Value } from "./values.ts";
import { evaluateForErrors, layerName } from "./calls.ts";
import { expression } from "./expressions.ts";
import { bodyStatement } from "./statements.ts";

export function blockCall(
  cx: Elaboration,
  call: A.Call,
  block: A.BlockDecl,
  env: Env,
  scope: Scope,
): Value {
  const name = block.name.name;
  if (cx.blockStack.includes(name)) {
    cx.diagnostics.report("E0211", call.callee.span, `block \`${name}\` calls itself`, {
      label: "recursive call",
      notes: [`call chain: ${[...cx.blockStack, name].join(" → ")}`],
      hint: "blocks are expanded inline; use `repeat` to stack layers",
    });
    evaluateForErrors(cx, call, env, scope);
    return { kind: "poison", span: call.span };
  }
  const params: ParamSpec[] = block.params.map((p) => ({
    name: p.name.name,
    kind: "tensor",
    positional: true,
    required: p.default === undefined,
    doc: `parameter of block \`${name}\``,
  }));
  const seen = new Map<string, Span>();
  for (const p of block.params) {
    const first = seen.get(p.name.name);
    if (first) {
      cx.diagnostics.report(
        "E0206",
        p.name.span,
        `block \`${name}\` has two parameters named \`${p.name.name}\``,
        {
          label: "duplicate parameter",
          related: [{ span: first, label: "first declared here" }],
          hint: "rename one of them",
        },
      );
      evaluateForErrors(cx, call, env, scope);
      return { kind: "poison", span: call.span };
    }
    seen.set(p.name.name, p.name.span);
  }
  const bound = bindArguments(call, params, `block \`${name}\``, cx.diagnostics);
  if (!bound) {
    evaluateForErrors(cx, call, env, scope);
    return { kind: "poison", span: call.span };
  }

  const inner = new Env(cx.sites, cx.recorder);
  const args = new Map<string, Value>();
  for (const p of block.params) {
    const arg = bound.get(p.name.name);
    if (arg) args.set(p.name.name, expression(cx, arg.expr, env, scope));
  }
  const base = call.label ? layerName(cx, call, name, scope) : scope.fresh(name);
  const blockScope = new Scope(base);
  cx.blockStack.push(name);
  for (const p of block.params) {
    const value = args.get(p.name.name) ?? expression(cx, p.default!, inner, blockScope);
    const notes =
      value.kind === "dim" || value.kind === "number"
        ? [
            ...value.notes,
            `${p.name.name} = ${showValue(value)} (argument of \`${name}\`, ${cx.where(call.span)})`,
          ]
        : [];
    inner.define(
      p.name.name,
      "param",
      p.name.span,
      value.kind === "dim" || value.kind === "number" ? { ...value, notes } : value,
    );
  }
  const result = blockBody(cx, block, inner, blockScope);
  cx.blockStack.pop();
  return result ?? { kind: "poison", span: call.span };
}

function blockBody(cx: Elaboration, block: A.BlockDecl, env: Env, scope: Scope): Value | undefined {
  const body = block.body;
  const last = body[body.length - 1];
  const early = body.findIndex((s) => s.kind === "return");
  for (const statement of body) {
    if (statement === last && statement.kind === "return")
      return expression(cx, statement.value, env, scope);
    if (statement.kind === "return") expression(cx, statement.value, env, scope);
    bodyStatement(cx, statement, env, scope);
  }
  if (early >= 0) {
    // E0213 on the early `return` says it all; what follows it is not also "never used".
    for (const s of body.slice(early)) if (s.kind === "assign") env.use(s.target.name);
    return undefined;
  }
  // The last value computed is the likely result: suggest returning it, not "never used".
  const result = last?.kind === "assign" ? last.target.name : undefined;
  if (result !== undefined) env.use(result);
  cx.diagnostics.report(
    "E0212",
    block.name.span,
    `block \`${block.name.name}\` does not end with \`return\``,
    {
      label: "no return",
      hint:
        result === undefined
          ? "end the block with `return <value>`"
          : `end the block with \`return ${result}\``,
    },
  );
  return undefined;
}
