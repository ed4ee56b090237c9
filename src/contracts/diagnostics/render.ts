import pc from "picocolors";
import type { SourceSet, Span } from "../source.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { locate } from "./locate.ts";
import { type Annotation, lastLineShown, renderSnippet, type SnippetStyle } from "./snippet.ts";

export { renderGithub } from "./render-github.ts";
export { renderJson } from "./render-json.ts";

/** Diagnostics in rustc's layout, one blank line between them, ending in a newline ("" when none). */
export function renderPretty(
  diags: readonly Diagnostic[],
  sources: SourceSet,
  opts: { color: boolean },
): string {
  if (diags.length === 0) return "";
  return diags.map((d) => renderOne(d, sources, opts.color)).join("\n\n") + "\n";
}

/** A closing count such as "error: 2 errors, 1 warning emitted", or "" when there are none. */
export function summaryLine(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.length - errors;
  const counts = [];
  if (errors > 0) counts.push(plural(errors, "error"));
  if (warnings > 0) counts.push(plural(warnings, "warning"));
  if (counts.length === 0) return "";
  return `${errors > 0 ? "error" : "warning"}: ${counts.join(", ")} emitted`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One diagnostic: title, location header, quoted lines per file, then notes and hint. */
function renderOne(d: Diagnostic, sources: SourceSet, color: boolean): string {
  const c = pc.createColors(color);
  const severe = (text: string) => c.bold(d.severity === "error" ? c.red(text) : c.yellow(text));
  const style: SnippetStyle = {
    gutter: (text) => c.bold(c.blue(text)),
    primary: severe,
    related: (text) => c.bold(c.blue(text)),
  };
  const groups = groupByFile(d);
  const width = gutterWidth(groups, sources);
  const pad = " ".repeat(width + 1);
  const bar = `${pad} ${style.gutter("|")}`;
  const rows = [`${severe(`${d.severity}[${d.code}]`)}${c.bold(`: ${d.message}`)}`];
  groups.forEach((annotations, i) => {
    const first = annotations[0]!.span;
    if (i > 0) rows.push(bar);
    rows.push(`${pad}${style.gutter(i === 0 ? "-->" : ":::")} ${where(first, sources)}`);
    const file = sources.get(first.file);
    if (file) rows.push(bar, ...renderSnippet(file, annotations, width, style));
  });
  const extras = [
    ...d.notes.map((n) => ["note", n]),
    ...(d.hint === undefined ? [] : [["hint", d.hint]]),
  ];
  if (extras.length > 0) rows.push(bar);
  for (const [kind, text] of extras)
    rows.push(`${pad} ${style.gutter("=")} ${c.bold(`${kind}:`)} ${text}`);
  return rows.join("\n");
}

/** The primary span's file first (with its related spans), then each other file in order of appearance. */
function groupByFile(d: Diagnostic): Annotation[][] {
  const groups = new Map<string, Annotation[]>([
    [d.span.file, [{ span: d.span, label: d.label, primary: true }]],
  ]);
  for (const r of d.related ?? []) {
    const group = groups.get(r.span.file) ?? [];
    group.push({ span: r.span, label: r.label, primary: false });
    groups.set(r.span.file, group);
  }
  return [...groups.values()].map((group, i) =>
    i === 0 ? group : [...group].sort((a, b) => a.span.start - b.span.start),
  );
}

/** Digits in the largest line number any quoted line shows (at least one). */
function gutterWidth(groups: Annotation[][], sources: SourceSet): number {
  const lines = groups.map((g) => {
    const file = sources.get(g[0]!.span.file);
    return file ? lastLineShown(file, g) : 0;
  });
  return String(Math.max(1, ...lines)).length;
}

function where(span: Span, sources: SourceSet): string {
  const at = locate(span, sources);
  return `${at.file}:${at.line}:${at.column}`;
}
