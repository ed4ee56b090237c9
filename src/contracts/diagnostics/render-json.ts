import type { SourceSet } from "../source.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { locate } from "./locate.ts";

/** Diagnostics as one pretty-printed JSON document with error and warning counts. */
export function renderJson(diags: readonly Diagnostic[], sources: SourceSet): string {
  const diagnostics = diags.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...locate(d.span, sources),
    label: d.label,
    notes: d.notes,
    hint: d.hint,
    related: d.related?.length
      ? d.related.map((r) => ({ ...locate(r.span, sources), label: r.label }))
      : undefined,
  }));
  const errors = diags.filter((d) => d.severity === "error").length;
  return JSON.stringify({ diagnostics, errors, warnings: diags.length - errors }, null, 2) + "\n";
}
