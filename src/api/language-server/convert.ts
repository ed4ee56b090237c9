import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type Range,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic, SourceSet, Span } from "../check.ts";

/** Turns spans into editor ranges (lines and UTF-16 characters), from the files a check read. */
export class Ranges {
  private readonly documents = new Map<string, TextDocument>();

  constructor(private readonly sources: SourceSet) {}

  range(span: Span): Range {
    const document = this.document(span.file);
    return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
  }

  private document(file: string): TextDocument {
    let document = this.documents.get(file);
    if (!document) {
      const text = this.sources.get(file)?.text ?? "";
      document = TextDocument.create(file, "loom", 0, text);
      this.documents.set(file, document);
    }
    return document;
  }
}

/**
 * A checker diagnostic as the editor shows it: the code, the message with the dim bindings
 * that led there and the hint, and the related places (first definitions and the like).
 */
export function toLspDiagnostic(
  d: Diagnostic,
  ranges: Ranges,
  pathToUri: (path: string) => string,
): LspDiagnostic {
  const lines = [d.label ? `${d.message}: ${d.label}` : d.message, ...d.notes];
  if (d.hint) lines.push(`hint: ${d.hint}`);
  return {
    range: ranges.range(d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "loom",
    message: lines.join("\n"),
    ...(d.related
      ? {
          relatedInformation: d.related.map((r) => ({
            location: { uri: pathToUri(r.span.file), range: ranges.range(r.span) },
            message: r.label,
          })),
        }
      : {}),
  };
}
