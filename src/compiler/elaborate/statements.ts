/** Statements of model, block and repeat bodies: assignments and repeats. */
import type * as A from "../../../grammar/ast.ts";
import type { Span } from "../../contracts/source.ts";
import { type Elaboration, MAX_EXPANDED_NODES } from "./context.ts";
import type { Env } from "./env.ts";
import { Scope } from "./naming.ts";
import { expression } from "./expressions.ts";
import { staticDim } from "./sizes.ts";

/** Statements allowed in model, block and repeat bodies alike. */
export function bodyStatement(
  cx: Elaboration,
  statement: A.Statement,
  env: Env,
  scope: Scope,
): void {
  if (statement.kind === "assign") {
    const value = expression(cx, statement.value, env, scope);
    env.define(statement.target.name, "value", statement.target.span, value);
  } else if (statement.kind === "repeat") {
    repeat(cx, statement, env, scope);
  } else if (statement.kind === "return") {
    misplaced(cx, statement.span, "`return` must be the last statement of a block");
  } else {
    const word = statement.kind;
    misplaced(cx, statement.span, `\`${word}\` is only allowed directly in a model body`);
  }
}

export function misplaced(
  cx: Elaboration,
  span: Span,
  message: string,
  extra: { hint?: string } = {},
): void {
  cx.diagnostics.report("E0213", span, message, { label: "not allowed here", ...extra });
}

function repeat(cx: Elaboration, statement: A.Repeat, env: Env, scope: Scope): void {
  // An invalid count still elaborates the body once, for its own errors and uses.
  let count = staticDim(cx, statement.count, env, "a repeat count") ?? 1;
  if (count > MAX_EXPANDED_NODES) {
    // Caught here, at the count, rather than after expanding MAX_EXPANDED_NODES layers.
    cx.diagnostics.report(
      "E0301",
      statement.count.span,
      `a repeat count of ${count} would expand to more than ${MAX_EXPANDED_NODES} layers`,
      { label: "too many repeats", hint: "check the repeat count" },
    );
    count = 1;
  }
  let base = statement.scope ? scope.claim(statement.scope.name) : scope.fresh("blocks");
  if (base === undefined) {
    cx.diagnostics.report(
      "E0206",
      statement.scope!.span,
      `scope name \`${statement.scope!.name}\` is already used here`,
      {
        label: "used twice",
        hint: "give each repeat its own `as` name",
      },
    );
    base = scope.fresh(statement.scope!.name);
  }
  for (let i = 0; i < count && !cx.tooLarge; i++) {
    const before = cx.nodes.length;
    const inner = new Scope(`${base}.${i}`);
    for (const s of statement.body) bodyStatement(cx, s, env, inner);
    // Once the model has an error it has no IR, and more repeats would only report the same
    // mistakes again: one expansion is enough.
    if (cx.diagnostics.hasErrors) return;
    const perRepeat = cx.nodes.length - before;
    if (i === 0 && before + perRepeat * count > MAX_EXPANDED_NODES) {
      // Caught after one expansion, rather than after expanding MAX_EXPANDED_NODES layers.
      cx.diagnostics.report(
        "E0301",
        statement.count.span,
        `${count} repeats of ${perRepeat} layers would expand the model to more than ${MAX_EXPANDED_NODES} layers`,
        { label: "too many repeats", hint: "check the repeat count" },
      );
      return;
    }
  }
}
