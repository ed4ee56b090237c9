/** The checker, run in the page on the editor's text: the CLI's diagnostics, codes, spans and hints. */
import type { Diagnostic as EditorDiagnostic } from "@codemirror/lint";
import {
  checkSpec,
  type CheckResult,
  type Diagnostic,
  renderPretty,
  summaryLine,
} from "../../src/api/browser.ts";
import { readSpecFile } from "./examples.ts";

/** Checks `text` as the file `path`; its includes come from the bundled specs/. */
export function checkText(path: string, text: string): CheckResult {
  return checkSpec(path, (file) => (file === path ? text : readSpecFile(file)));
}

/** The diagnostics as `loom check` prints them (without colour), or its "no problems" line. */
export function renderReport(path: string, result: CheckResult): string {
  if (result.diagnostics.length === 0) return `${path}: no problems`;
  return `${renderPretty(result.diagnostics, result.sources, { color: false })}${summaryLine(result.diagnostics)}`;
}

/** Editor underlines for the diagnostics in `path`: message, code, notes and hint in the tooltip. */
export function editorDiagnostics(
  path: string,
  diagnostics: readonly Diagnostic[],
): EditorDiagnostic[] {
  return diagnostics
    .filter((d) => d.span.file === path)
    .map((d) => ({
      from: d.span.start,
      to: Math.max(d.span.end, d.span.start),
      severity: d.severity,
      source: d.code,
      message: [
        `${d.message}${d.label ? ` (${d.label})` : ""}`,
        ...d.notes.map((n) => `note: ${n}`),
        ...(d.hint ? [`hint: ${d.hint}`] : []),
      ].join("\n"),
    }));
}
