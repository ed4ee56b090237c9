import {
  checkSpec,
  lowerToPlan,
  printIr,
  printPlan,
  type Diagnostic,
  renderGithub,
  renderJson,
  renderPretty,
  summaryLine,
  SourceSet,
} from "../api/check.ts";
import { EXIT, expandSpecPaths, readText, type Io } from "./io.ts";

export type DiagnosticFormat = "pretty" | "json" | "github";
/** What `--emit` prints: the IR or the plan, as text (one line a node or step) or as JSON. */
export type EmitKind = "ir" | "plan" | "ir-json" | "plan-json";

export interface CheckOptions {
  format: DiagnosticFormat;
  emit?: EmitKind;
  color: boolean;
  /** Treat warnings as errors (exit 1). */
  denyWarnings?: boolean;
}

/** `loom check FILES`: parse, elaborate and shape-check; exit 0 clean, 1 errors, 2 usage or I/O. */
export function runCheck(paths: string[], options: CheckOptions, io: Io): number {
  const { files, missing } = expandSpecPaths(paths);
  for (const path of missing)
    io.stderr(`error: cannot read "${path}": no such file or directory\n`);
  if (files.length === 0 && missing.length === 0) {
    io.stderr("error: no .loom files found in the given paths\n");
    return EXIT.usage;
  }
  const sources = new SourceSet();
  const diagnostics: Diagnostic[] = [];
  const emitted: { json: unknown; text: string }[] = [];
  const emitPlan = options.emit === "plan" || options.emit === "plan-json";
  let unreadable = missing.length > 0;
  for (const file of files) {
    const result = checkSpec(file, readText, sources);
    if (result.diagnostics.some((d) => d.code === "E0103")) unreadable = true;
    diagnostics.push(...result.diagnostics);
    for (const model of result.models) {
      if (!model.ir) continue;
      if (!emitPlan) {
        emitted.push({ json: model.ir, text: printIr(model.ir) });
        continue;
      }
      const lowered = lowerToPlan(model.ir);
      diagnostics.push(...lowered.diagnostics);
      if (lowered.plan)
        emitted.push({ json: lowered.plan, text: printPlan(lowered.plan, model.ir.model) });
    }
  }

  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (options.emit === "ir" || options.emit === "plan") {
    io.stdout(emitted.map((e) => e.text).join("\n"));
  } else if (options.emit !== undefined) {
    const json = emitted.map((e) => e.json);
    io.stdout(`${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`);
  }
  const rendered =
    options.format === "json"
      ? renderJson(diagnostics, sources)
      : options.format === "github"
        ? renderGithub(diagnostics, sources)
        : renderPretty(diagnostics, sources, { color: options.color });
  const toStdout = options.format !== "pretty" && options.emit === undefined;
  if (rendered) (toStdout ? io.stdout : io.stderr)(rendered);
  if (options.format === "pretty") {
    const line = summaryLine(diagnostics);
    if (line) io.stderr(`${line}\n`);
    else if (options.emit === undefined && missing.length === 0)
      io.stderr(`checked ${files.length} file(s): no problems\n`);
  }
  if (unreadable && errors === diagnostics.filter((d) => d.code === "E0103").length)
    return EXIT.usage;
  if (errors > 0 || (options.denyWarnings && warnings > 0)) return EXIT.errors;
  return unreadable ? EXIT.usage : EXIT.ok;
}
