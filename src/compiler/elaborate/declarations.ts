/** Model-level declarations: dims, inputs and their axes, outputs and the tokenizer. */
import type * as A from "../../../grammar/ast.ts";
import { dimStatic, dimSym, dimToJson, formatDim } from "../../contracts/dims.ts";
import type { Dtype } from "../../contracts/ir/schema.ts";
import type { Span } from "../../contracts/source.ts";
import { closest, didYouMean } from "../../contracts/suggest.ts";
import { isFileTokenizer, tokenizerPath } from "../../contracts/tokenizer-name.ts";
import type { Elaboration } from "./context.ts";
import type { Env } from "./env.ts";
import { Scope } from "./naming.ts";
import { describeValue, numericValue, showValue } from "./values.ts";
import { expression, lookup } from "./expressions.ts";
import { staticDim } from "./sizes.ts";
import { bodyStatement, misplaced } from "./statements.ts";

/** Tokenizers a spec may name; src/runtime/tokenizers implements each. */
export const TOKENIZER_NAMES = ["gpt2", "bert-base-uncased", "char"];

/** One statement directly in a model body. */
export function modelStatement(
  cx: Elaboration,
  statement: A.Statement,
  env: Env,
  scope: Scope,
): void {
  switch (statement.kind) {
    case "dims":
      for (const def of statement.dims) defineDim(cx, def, env);
      return;
    case "input":
      defineInput(cx, statement, env);
      return;
    case "tokenizer":
      defineTokenizer(cx, statement);
      return;
    case "output":
      defineOutput(cx, statement, env, scope);
      return;
    case "return":
      // Counts as the model's result, so E0209 does not repeat this mistake.
      cx.outputStatements++;
      expression(cx, statement.value, env, scope);
      misplaced(cx, statement.span, "`return` belongs at the end of a block, not in a model", {
        hint: "declare the model's result with `output <name> = <value>`",
      });
      return;
    default:
      bodyStatement(cx, statement, env, scope);
  }
}

function defineDim(cx: Elaboration, def: A.DimDef, env: Env): void {
  const name = def.name.name;
  if (duplicate(cx, name, def.name.span, env)) return;
  const value = expression(cx, def.value, env, new Scope(""));
  const where = cx.where(def.name.span);
  if (value.kind === "dim") {
    const n = dimStatic(value.dim);
    const shown = n === undefined ? formatDim(value.dim) : String(n);
    const notes = [`${name} = ${shown} (${where})`];
    env.define(name, "dim", def.name.span, { ...value, notes, span: def.value.span });
    if (n !== undefined) cx.ir.dims.push({ name, value: n, source: cx.ref(def.name.span) });
  } else if (value.kind === "number") {
    const notes = [`${name} = ${value.value} (${where})`];
    env.define(name, "dim", def.name.span, { ...value, notes, span: def.value.span });
    cx.ir.dims.push({ name, value: value.value, source: cx.ref(def.name.span) });
  } else if (value.kind !== "poison") {
    cx.diagnostics.report(
      "E0210",
      def.value.span,
      `dim \`${name}\` must be a number, found ${describeValue(value)}`,
      {
        label: "not a number",
        hint: "dims hold sizes and constants; define tensors with `name = …` in the model body",
      },
    );
    env.define(name, "dim", def.name.span, { kind: "poison", span: def.value.span });
  } else {
    env.define(name, "dim", def.name.span, value);
  }
}

function duplicate(cx: Elaboration, name: string, span: Span, env: Env): boolean {
  if (!env.has(name)) return false;
  const kind = env.kindOf(name);
  if (kind === "value") return false;
  const first = [...cx.sites.values()].find((s) => s.name === name && s.kind === kind);
  cx.diagnostics.report("E0206", span, `\`${name}\` is already defined`, {
    label: "defined again here",
    ...(first
      ? {
          related: [
            {
              span: first.span,
              label: `first defined here (as ${kind === "symbol" ? "a dynamic dim" : kind === "input" ? "an input" : `a ${kind}`})`,
            },
          ],
        }
      : {}),
    hint: "use a different name",
  });
  return true;
}

function defineTokenizer(cx: Elaboration, decl: A.TokenizerDecl): void {
  const name = decl.name.value;
  if (cx.tokenizerSpan) {
    cx.diagnostics.report("E0206", decl.span, "the model names its tokenizer twice", {
      label: "second tokenizer",
      related: [{ span: cx.tokenizerSpan, label: "first named here" }],
    });
    return;
  }
  cx.tokenizerSpan = decl.span;
  if (isFileTokenizer(name)) {
    if (!tokenizerPath(name).endsWith(".json"))
      cx.diagnostics.report("E0210", decl.name.span, `"${name}" names no tokenizer.json`, {
        label: "expected file:PATH.json",
        hint: 'name a Hugging Face tokenizer.json, relative to the spec: `tokenizer "file:tokenizer.json"`',
      });
    else cx.ir.tokenizer = name;
    return;
  }
  if (!TOKENIZER_NAMES.includes(name)) {
    cx.diagnostics.report("E0210", decl.name.span, `unknown tokenizer "${name}"`, {
      label: "not a known tokenizer",
      notes: [`tokenizers: ${TOKENIZER_NAMES.join(", ")}, or file:PATH for a tokenizer.json`],
      hint: didYouMean(name, TOKENIZER_NAMES, "tokenizers"),
    });
    return;
  }
  cx.ir.tokenizer = name;
}

function defineInput(cx: Elaboration, decl: A.InputDecl, env: Env): void {
  const name = decl.name.name;
  if (duplicate(cx, name, decl.name.span, env)) return;
  const dtypeName = decl.dtype.name;
  const dtypes = ["int", "float", "bool"];
  let dtype: Dtype = "float";
  if (dtypes.includes(dtypeName)) dtype = dtypeName as Dtype;
  else {
    cx.diagnostics.report("E0210", decl.dtype.span, `unknown element type \`${dtypeName}\``, {
      label: "not an element type",
      hint: closest(dtypeName, dtypes)
        ? didYouMean(dtypeName, dtypes, "element types")
        : "inputs are `int` (token ids), `float` (features, pixels) or `bool` (masks)",
    });
  }
  const shape = decl.shape.map((axis, i) => inputAxis(cx, axis, env, i));
  const id = cx.nextValue++;
  cx.inputSpans.set(id, decl.span);
  cx.ir.inputs.push({
    name,
    value: id,
    dtype,
    shape: shape.map((d) => (d === undefined ? 1 : dimToJson(d))),
    source: cx.ref(decl.span),
  });
  env.define(name, "input", decl.name.span, { kind: "tensor", id, dtype, span: decl.name.span });
}

/** `truncate` cuts positions off a sequence; the first axis is the batch, whose rows it would drop (E0222). */
function truncatable(cx: Elaboration, axis: A.DimSpec, index: number): boolean {
  if (index > 0) return true;
  cx.diagnostics.report(
    "E0222",
    axis.span,
    "`truncate` applies to a sequence axis, not the batch",
    {
      label: "the first axis is the batch",
      hint: "put `truncate` on the sequence's bound, e.g. `int[batch, seq <= 128 truncate]`",
    },
  );
  return false;
}

function inputAxis(cx: Elaboration, axis: A.DimSpec, env: Env, index: number) {
  const expr = axis.value;
  if (expr.kind === "name" && !env.has(expr.name.name)) {
    const name = expr.name.name;
    const bound = axis.bound ? staticDim(cx, axis.bound, env, "a sequence bound") : null;
    const truncate = axis.truncate === true && truncatable(cx, axis, index);
    cx.ir.symbols.push({
      name,
      bound: bound ?? null,
      ...(truncate ? { truncate: true as const } : {}),
      source: cx.ref(expr.span),
    });
    const dim = dimSym(name);
    env.define(name, "symbol", expr.name.span, { kind: "dim", dim, notes: [], span: expr.span });
    return dim;
  }
  if (axis.bound) {
    cx.diagnostics.report(
      "E0301",
      axis.bound.span,
      "a bound (`<=`) applies only to a new dynamic dim",
      {
        label: "bound on a dim that is already defined",
        hint: "write the bound where the dynamic dim first appears, e.g. `seq <= ctx`",
      },
    );
  }
  const value = expression(cx, expr, env, new Scope(""));
  if (value.kind === "dim") {
    const n = dimStatic(value.dim);
    if (n === undefined || (n > 0 && Number.isSafeInteger(n))) return value.dim;
  }
  if (value.kind !== "poison") {
    const n = numericValue(value);
    const tooLarge = n !== undefined && Number.isInteger(n) && n > 0;
    cx.diagnostics.report(
      "E0301",
      expr.span,
      tooLarge
        ? `input axis is too large: ${n}`
        : `input axis must be a positive size, found ${showValue(value)}`,
      {
        label: tooLarge
          ? "above 2^53 - 1, the largest size Loom computes exactly"
          : "not a positive size",
      },
    );
  }
  return undefined;
}

function defineOutput(cx: Elaboration, decl: A.OutputDecl, env: Env, scope: Scope): void {
  cx.outputStatements++;
  const name = decl.name.name;
  const earlier = cx.outputNames.get(name);
  if (earlier) {
    cx.diagnostics.report("E0206", decl.name.span, `output \`${name}\` is declared twice`, {
      label: "declared again here",
      related: [{ span: earlier, label: "first declared here" }],
      hint: "give each output its own name",
    });
    return;
  }
  cx.outputNames.set(name, decl.name.span);
  const value = decl.value
    ? expression(cx, decl.value, env, scope)
    : lookup(cx, { kind: "name", name: decl.name, span: decl.name.span }, env);
  if (value.kind === "poison") return;
  if (value.kind !== "tensor") {
    cx.diagnostics.report(
      "E0210",
      decl.value?.span ?? decl.name.span,
      `output \`${name}\` must be a tensor, found ${describeValue(value)}`,
      {
        label: "not a tensor",
      },
    );
    return;
  }
  cx.ir.outputs.push({ name, value: value.id, source: cx.ref(decl.span) });
}
