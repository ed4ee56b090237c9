import type * as A from "../../../grammar/ast.ts";
import type { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import type { LayerIr } from "../../contracts/ir/schema.ts";
import type { Span } from "../../contracts/source.ts";
import { Elaboration, type NodeOrigin } from "./context.ts";
import { modelStatement } from "./declarations.ts";
import { Env } from "./env.ts";
import type { LoadedSpec } from "./load.ts";
import type { SymbolRecorder } from "./symbols.ts";
import { Scope } from "./naming.ts";

export type { NodeOrigin } from "./context.ts";
export { TOKENIZER_NAMES } from "./declarations.ts";

/** One model elaborated: its Layer IR and the source facts the checker quotes. */
export interface ElaboratedModel {
  ir: LayerIr;
  origins: NodeOrigin[];
  /** Value ids of inputs, for carets on input declarations. */
  inputSpans: Map<number, Span>;
}

/**
 * Elaborates one model: resolves names, binds arguments, expands blocks and repeats and
 * evaluates dims, giving a flat list of layer nodes in execution order. A `recorder` is told
 * every name resolved, for editor queries.
 *
 * The elaborator is a recursive descent over the AST, one file per concern: declarations.ts
 * (dims, inputs, outputs, the tokenizer), statements.ts (assignments and repeats),
 * expressions.ts (names and arithmetic), calls.ts (layer calls), arguments.ts (a layer's
 * arguments by parameter kind), blocks.ts (block expansion) and sizes.ts (static sizes). All
 * share one Elaboration (context.ts): the IR being built and the names in scope.
 */
export function elaborateModel(
  model: A.ModelDecl,
  spec: LoadedSpec,
  diagnostics: DiagnosticBag,
  recorder?: SymbolRecorder,
): ElaboratedModel {
  const cx = new Elaboration(model, spec, diagnostics, recorder);
  const env = new Env(cx.sites, cx.recorder);
  const scope = new Scope("");
  for (const statement of model.body) modelStatement(cx, statement, env, scope);
  if (cx.outputStatements === 0) reportMissingOutput(cx, env);
  reportUnused(cx);
  return { ir: cx.ir, origins: cx.origins, inputSpans: cx.inputSpans };
}

function reportMissingOutput(cx: Elaboration, env: Env): void {
  const { model } = cx;
  // The last value computed is the likely output: suggest it, rather than "never used".
  const last = model.body[model.body.length - 1];
  const result = last?.kind === "assign" ? last.target.name : undefined;
  if (result !== undefined) env.use(result);
  cx.diagnostics.report("E0209", model.name.span, `model \`${model.name.name}\` has no output`, {
    label: "declares no `output`",
    hint:
      result === undefined
        ? "add a line such as `output logits = lm_head(x, vocab)`"
        : `declare the result as an output: \`output ${result} = …\` instead of \`${result} = …\``,
  });
}

function reportUnused(cx: Elaboration): void {
  for (const site of cx.sites.values()) {
    if (site.used || site.name.startsWith("_")) continue;
    if (site.kind === "value") {
      cx.diagnostics.report("W0401", site.span, `\`${site.name}\` is computed but never used`, {
        label: "never used",
        hint: `use it, remove it, or name it \`_${site.name}\` to silence this warning`,
      });
    } else if (site.kind === "dim") {
      cx.diagnostics.report("W0402", site.span, `dim \`${site.name}\` is never used`, {
        label: "never used",
        hint: "remove it, or name it with a leading `_`",
      });
    } else if (site.kind === "input") {
      cx.diagnostics.report("W0403", site.span, `input \`${site.name}\` is never read`, {
        label: "never read",
        hint: "remove it, or pass it to the layer that needs it",
      });
    }
  }
}
