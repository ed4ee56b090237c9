import type { SourceSet } from "../source.ts";
import { CODES } from "./codes.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { locate } from "./locate.ts";

/** Diagnostics as GitHub Actions workflow commands (`::error file=…::message`), one per line. */
export function renderGithub(diags: readonly Diagnostic[], sources: SourceSet): string {
  return diags.map((d) => githubCommand(d, sources) + "\n").join("");
}

function githubCommand(d: Diagnostic, sources: SourceSet): string {
  const at = locate(d.span, sources);
  const info = (CODES as Record<string, { title: string } | undefined>)[d.code];
  const properties = [
    `file=${escapeProperty(at.file)}`,
    `line=${at.line}`,
    `col=${at.column}`,
    `endLine=${at.endLine}`,
    `endColumn=${at.endColumn}`,
    `title=${escapeProperty(info ? `${d.code} ${info.title}` : d.code)}`,
  ];
  const lines = [d.message, ...d.notes.map((n) => `note: ${n}`)];
  if (d.hint !== undefined) lines.push(`hint: ${d.hint}`);
  return `::${d.severity} ${properties.join(",")}::${escapeData(lines.join("\n"))}`;
}

/** Escapes a command's message as GitHub's runner expects. */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a command property value, which also may not hold `:` or `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
