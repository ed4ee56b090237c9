/**
 * Questions the formatter asks of the original text between tokens: where whitespace and comments
 * end, whether a line break or a blank line separates two places. Offsets are 0-based UTF-16.
 */

/** The offset after any whitespace and comments starting at `pos`. */
export function skipTrivia(text: string, pos: number): number {
  let at = pos;
  for (;;) {
    const ch = text[at];
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") at++;
    else if (text.startsWith("//", at)) at = lineEnd(text, at);
    else if (text.startsWith("/*", at)) {
      const close = text.indexOf("*/", at + 2);
      at = close < 0 ? text.length : close + 2;
    } else return at;
  }
}

/** The offset of the line break (or end of text) at or after `pos`. */
function lineEnd(text: string, pos: number): number {
  const nl = text.indexOf("\n", pos);
  return nl < 0 ? text.length : nl;
}

/** The offset after spaces and tabs starting at `pos`. */
function skipSpaces(text: string, pos: number): number {
  let at = pos;
  while (text[at] === " " || text[at] === "\t" || text[at] === "\r") at++;
  return at;
}

/** Whether only spaces and tabs stand between the start of the line and `pos`. */
export function startsLine(text: string, pos: number): boolean {
  let at = pos - 1;
  while (at >= 0 && (text[at] === " " || text[at] === "\t" || text[at] === "\r")) at--;
  return at < 0 || text[at] === "\n";
}

/** Whether a line break follows `pos`, with only spaces and tabs before it. */
export function endsLine(text: string, pos: number): boolean {
  const at = skipSpaces(text, pos);
  return at >= text.length || text[at] === "\n";
}

/** Whether nothing but whitespace and comments follows `pos` up to the end of its line. */
export function restOfLineIsTrivia(text: string, pos: number): boolean {
  let at = pos;
  for (;;) {
    at = skipSpaces(text, at);
    if (at >= text.length || text[at] === "\n" || text.startsWith("//", at)) return true;
    if (!text.startsWith("/*", at)) return false;
    const close = text.indexOf("*/", at + 2);
    if (close < 0) return true;
    at = close + 2;
  }
}

/** Whether the text from `from` to `to` holds no line break. */
export function sameLine(text: string, from: number, to: number): boolean {
  return !text.slice(from, to).includes("\n");
}

/**
 * Whether a blank line follows the line on which `pos` stands, skipping the comments that end
 * that line: the test for "keep one blank line after this statement".
 */
export function blankLineAfter(text: string, pos: number): boolean {
  let at = pos;
  for (;;) {
    at = skipSpaces(text, at);
    if (text.startsWith("//", at)) at = lineEnd(text, at);
    else if (text.startsWith("/*", at)) {
      const close = text.indexOf("*/", at + 2);
      at = close < 0 ? text.length : close + 2;
    } else break;
  }
  if (text[at] !== "\n") return false;
  at = skipSpaces(text, at + 1);
  return text[at] === "\n";
}

/** Whether at least one blank line stands between `pos` and the previous non-blank text. */
export function blankLineBefore(text: string, pos: number): boolean {
  let breaks = 0;
  for (let at = pos - 1; at >= 0; at--) {
    const ch = text[at];
    if (ch === "\n") breaks++;
    else if (ch !== " " && ch !== "\t" && ch !== "\r") break;
  }
  return breaks >= 2;
}

/** Whether a line holding only whitespace lies between two offsets. */
export function hasBlankLine(text: string, from: number, to: number): boolean {
  return /\n[ \t\r]*\n/.test(text.slice(from, to));
}

/** Whether the text between two offsets is only whitespace, comments and opening parentheses. */
export function onlyTriviaOrParens(text: string, from: number, to: number): boolean {
  let at = from;
  while (at < to) {
    const next = skipTrivia(text, at);
    if (next > at) at = next;
    else if (text[at] === "(") at++;
    else return false;
  }
  return true;
}

/**
 * The offset of the first `{` at or after `pos`, outside comments: the `{` of a body, found from
 * the end of its header (only `(`, `)` and trivia stand between).
 */
export function findOpenBrace(text: string, pos: number): number {
  let at = pos;
  while (at < text.length) {
    at = skipTrivia(text, at);
    if (text[at] === "{") return at;
    at++;
  }
  return text.length;
}
