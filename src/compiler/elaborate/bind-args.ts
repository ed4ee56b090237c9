import type { Argument, Call, Expression } from "../../../grammar/ast.ts";
import type { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import type { ParamSpec } from "../layers/signature.ts";
import { closest, didYouMean } from "../../contracts/suggest.ts";

/** An argument matched to a parameter: the expression, and how it was written. */
export interface BoundArg {
  param: ParamSpec;
  expr: Expression;
  /** The whole argument (`heads = 10`), for carets. */
  span: Argument["span"];
  /** Bound as a bare flag name (`causal`), meaning true. */
  flag: boolean;
}

/**
 * Matches a call's arguments to parameters: named ones by name, a bare flag name to its flag,
 * a rope(...) call to `rope`, and the rest in order to the positional parameters.
 */
export function bindArguments(
  call: Call,
  params: readonly ParamSpec[],
  what: string,
  diagnostics: DiagnosticBag,
): Map<string, BoundArg> | undefined {
  const bound = new Map<string, BoundArg>();
  let ok = true;
  const positional = params.filter((p) => p.positional);
  const paramNames = params.map((p) => p.name);
  /** Parameters an unknown argument's did-you-mean points at: not also reported as missing. */
  const suggested = new Set<string>();

  const bind = (param: ParamSpec, arg: Argument, flag: boolean) => {
    const earlier = bound.get(param.name);
    if (earlier) {
      diagnostics.report(
        "E0206",
        arg.span,
        `argument \`${param.name}\` is given twice to ${what}`,
        {
          label: "given again here",
          related: [{ span: earlier.span, label: "first given here" }],
          hint: "remove one of them",
        },
      );
      ok = false;
      return;
    }
    bound.set(param.name, { param, expr: arg.value, span: arg.span, flag });
  };

  for (const arg of call.args) {
    if (arg.name) {
      const param = params.find((p) => p.name === arg.name!.name);
      if (!param) {
        diagnostics.report("E0204", arg.name.span, `${what} has no argument \`${arg.name.name}\``, {
          label: "unknown argument",
          hint: didYouMean(arg.name.name, paramNames, "its arguments"),
        });
        const near = closest(arg.name.name, paramNames);
        if (near !== undefined) suggested.add(near);
        ok = false;
        continue;
      }
      bind(param, arg, false);
      continue;
    }
    const value = arg.value;
    if (value.kind === "name") {
      const flag = params.find((p) => p.kind === "flag" && p.name === value.name.name);
      if (flag) {
        bind(flag, arg, true);
        continue;
      }
    }
    if (value.kind === "call" && value.callee.name === "rope") {
      const rope = params.find((p) => p.kind === "rope");
      if (rope) {
        bind(rope, arg, false);
        continue;
      }
    }
    const next = positional.find((p) => !bound.has(p.name));
    if (!next) {
      const takes = positional.map((p) => `\`${p.name}\``).join(", ");
      diagnostics.report("E0208", arg.span, `too many positional arguments to ${what}`, {
        label: "no parameter left for this",
        notes: [`${what} takes ${positional.length} positional argument(s): ${takes || "none"}`],
        hint: `name the argument (\`name = value\`); ${what} takes ${paramNames.map((n) => `\`${n}\``).join(", ")}`,
      });
      ok = false;
      continue;
    }
    bind(next, arg, false);
  }

  // One diagnostic for all the missing arguments of a call, not one per argument.
  const missing = params.filter((p) => p.required && !bound.has(p.name) && !suggested.has(p.name));
  if (missing.length > 0) {
    const names = missing.map((p) => `\`${p.name}\``);
    const list =
      names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
    diagnostics.report(
      "E0207",
      call.callee.span,
      `${what} needs the argument${missing.length === 1 ? "" : "s"} ${list}`,
      {
        label: `${list} missing`,
        notes: missing.map((p) => `${p.name}: ${p.doc}`),
        hint: `add ${missing.map((p) => `\`${p.name} = …\``).join(", ")} to the call`,
      },
    );
    ok = false;
  }
  return ok ? bound : undefined;
}
