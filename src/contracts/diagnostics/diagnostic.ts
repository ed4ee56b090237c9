import type { Span } from "../source.ts";
import type { Code } from "./codes.ts";

export type Severity = "error" | "warning";

/** A secondary place that explains a diagnostic ("embedding defined here"). */
export interface RelatedSpan {
  span: Span;
  label: string;
}

/** One finding about a spec: a value, collected and rendered, never thrown. */
export interface Diagnostic {
  /** Stable code from the registry in codes.ts, e.g. "E0302". */
  code: string;
  severity: Severity;
  /** One sentence, lower-case start, no trailing period. */
  message: string;
  /** The exact tokens at fault. */
  span: Span;
  /** Text printed under the caret; says what was found there. */
  label?: string;
  /** The bindings that led here, e.g. "d = 768 (specs/gpt2.loom:3:10)". */
  notes: string[];
  /** What to change. */
  hint?: string;
  related?: RelatedSpan[];
}

/** The optional parts of a diagnostic. */
export type DiagnosticExtras = Partial<Pick<Diagnostic, "label" | "notes" | "hint" | "related">>;

/** Collects diagnostics during one stage; stages return them, they never throw them. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  /** Records a diagnostic; the severity follows from the code (E… error, W… warning). */
  report(code: Code, span: Span, message: string, extra: DiagnosticExtras = {}): void {
    const severity = code.startsWith("W") ? "warning" : "error";
    this.items.push({ code, severity, message, span, ...extra, notes: extra.notes ?? [] });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  return [...items].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.start - b.span.start ||
      a.code.localeCompare(b.code),
  );
}
