import type { SourceSet, Span } from "../source.ts";

/** A span as 1-based lines and columns; endColumn is exclusive, all in UTF-16 code units. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Where a span starts and ends; a file missing from the set reads as 1:1 to 1:1. */
export function locate(span: Span, sources: SourceSet): Location {
  const file = sources.get(span.file);
  const start = file?.position(span.start) ?? { line: 1, column: 1 };
  const end = file?.position(Math.max(span.start, span.end)) ?? start;
  return {
    file: span.file,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  };
}
