import { renderPretty, summaryLine, type Diagnostic, type SourceSet } from "../api/check.ts";
import { LoomError } from "../api/errors.ts";
import type { LoadedModel } from "../api/model.ts";
import { EXIT, type Io } from "./io.ts";

/** Prints diagnostics on stderr, rendered against the sources they point into. */
export function report(diagnostics: readonly Diagnostic[], sources: SourceSet, io: Io): void {
  if (diagnostics.length === 0) return;
  io.stderr(renderPretty(diagnostics, sources, { color: io.color?.stderr ?? false }));
  const line = summaryLine(diagnostics);
  if (line) io.stderr(`${line}\n`);
}

/** Prints the warnings met while loading a model. */
export function reportWarnings(model: LoadedModel, io: Io): void {
  report(model.warnings, model.sources, io);
}

/** Prints a LoomError (its diagnostics, or its message) and returns the exit status it calls for. */
export function reportError(error: LoomError, io: Io): number {
  if (error.diagnostics.length > 0) report(error.diagnostics, error.sources, io);
  else io.stderr(`error${error.code ? `[${error.code}]` : ""}: ${error.message}\n`);
  return error.kind === "usage" ? EXIT.usage : EXIT.errors;
}
