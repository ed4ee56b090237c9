/** A source file held in memory, with the line table that turns offsets into line:column. */
export interface Span {
  /** Path of the file as the user named it (or as an include resolved it). */
  file: string;
  /** Offset of the first character, 0-based, in UTF-16 code units. */
  start: number;
  /** Offset one past the last character, 0-based, in UTF-16 code units. */
  end: number;
}

/** A 1-based line and 1-based column, both in UTF-16 code units. */
export interface Position {
  line: number;
  column: number;
}

/** One source file's text and its line starts. */
export class SourceFile {
  readonly lineStarts: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** The 1-based line and column of an offset (clamped into the file). */
  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return "";
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
}

/** Every source file a run has read, by path, so diagnostics can quote them. */
export class SourceSet {
  private readonly files = new Map<string, SourceFile>();

  add(file: SourceFile): SourceFile {
    this.files.set(file.path, file);
    return file;
  }

  get(path: string): SourceFile | undefined {
    return this.files.get(path);
  }

  /** Where a span starts, as line:column, or 1:1 when the file is unknown. */
  position(span: Span): Position {
    return this.files.get(span.file)?.position(span.start) ?? { line: 1, column: 1 };
  }
}

/** The smallest span covering both spans (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
