import type { SourceFile, Span } from "../source.ts";

/** How many columns a tab takes when a source line is quoted. */
const TAB_WIDTH = 4;

/** A span to underline in a quoted line: `^` for the primary span, `-` for related ones. */
export interface Annotation {
  span: Span;
  label?: string;
  primary: boolean;
}

/** Text styles a snippet needs; identity functions give plain text. */
export interface SnippetStyle {
  gutter(text: string): string;
  primary(text: string): string;
  related(text: string): string;
}

/** An annotation placed on one quoted line, in display columns (0-based, end exclusive). */
interface Mark {
  line: number;
  start: number;
  end: number;
  label?: string;
  primary: boolean;
}

type Cell = { ch: string; primary: boolean } | undefined;

/** The highest line number a snippet of these annotations would print. */
export function lastLineShown(file: SourceFile, annotations: readonly Annotation[]): number {
  return Math.max(0, ...annotations.map((a) => file.position(a.span.start).line));
}

/** Quoted source lines of one file with underlines and labels, each row prefixed by the gutter. */
export function renderSnippet(
  file: SourceFile,
  annotations: readonly Annotation[],
  gutterWidth: number,
  style: SnippetStyle,
): string[] {
  const marks = annotations.map((a) => placeMark(file, a));
  const lines = [...new Set(marks.map((m) => m.line))].sort((a, b) => a - b);
  const bar = `${" ".repeat(gutterWidth + 2)}${style.gutter("|")}`;
  const rows: string[] = [];
  let previous: number | undefined;
  for (const line of lines) {
    if (previous !== undefined && line > previous + 1) rows.push(style.gutter("..."));
    const number = style.gutter(`${String(line).padStart(gutterWidth)} |`);
    rows.push(` ${number} ${expandTabs(file.lineText(line))}`.trimEnd());
    const onLine = marks.filter((m) => m.line === line);
    for (const cells of markRows(onLine)) rows.push(`${bar} ${paint(cells, style)}`.trimEnd());
    previous = line;
  }
  return rows;
}

/** Where an annotation's underline goes; a span over several lines is underlined to the end of its first line. */
function placeMark(file: SourceFile, a: Annotation): Mark {
  const start = file.position(a.span.start);
  const end = file.position(Math.max(a.span.start, a.span.end));
  const text = file.lineText(start.line);
  const endIndex = end.line === start.line ? end.column - 1 : text.length;
  const from = displayWidth(text.slice(0, start.column - 1));
  const to = displayWidth(text.slice(0, endIndex));
  return {
    line: start.line,
    start: from,
    end: Math.max(to, from + 1),
    label: a.label,
    primary: a.primary,
  };
}

/** The underline row and, when several labels share a line, rustc-style rows that hang the others below. */
function markRows(marks: Mark[]): Cell[][] {
  const sorted = [...marks].sort(
    (a, b) => a.start - b.start || Number(a.primary) - Number(b.primary),
  );
  const underline: Cell[] = [];
  for (const m of [...sorted.filter((m) => !m.primary), ...sorted.filter((m) => m.primary)]) {
    for (let c = m.start; c < m.end; c++)
      underline[c] = { ch: m.primary ? "^" : "-", primary: m.primary };
  }
  const last = sorted[sorted.length - 1]!;
  if (last.label) put(underline, underline.length + 1, last.label, last.primary);
  const hanging = sorted.slice(0, -1).filter((m) => m.label);
  if (hanging.length === 0) return [underline];
  const rows: Cell[][] = [underline, connectors(hanging)];
  for (let i = hanging.length - 1; i >= 0; i--) {
    const row = connectors(hanging.slice(0, i));
    put(row, hanging[i]!.start, hanging[i]!.label!, hanging[i]!.primary);
    rows.push(row);
  }
  return rows;
}

/** A row with a `|` under the start of each mark. */
function connectors(marks: Mark[]): Cell[] {
  const row: Cell[] = [];
  for (const m of marks) row[m.start] = { ch: "|", primary: m.primary };
  return row;
}

function put(row: Cell[], column: number, text: string, primary: boolean): void {
  [...text].forEach((ch, i) => (row[column + i] = { ch, primary }));
}

/** A row of cells as text, each run styled as primary or related. */
function paint(cells: Cell[], style: SnippetStyle): string {
  let out = "";
  let run = "";
  let runPrimary: boolean | undefined;
  const flush = () => {
    if (run)
      out += runPrimary === undefined ? run : runPrimary ? style.primary(run) : style.related(run);
    run = "";
  };
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c];
    const kind = cell?.primary;
    if (kind !== runPrimary) flush();
    runPrimary = kind;
    run += cell?.ch ?? " ";
  }
  flush();
  return out;
}

function expandTabs(text: string): string {
  return text.replace(/\t/g, " ".repeat(TAB_WIDTH));
}

function displayWidth(text: string): number {
  return expandTabs(text).length;
}
