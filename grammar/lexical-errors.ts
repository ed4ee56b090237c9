import type { ILexingError, IToken } from "chevrotain";
import type { Diagnostic } from "../src/contracts/diagnostics/diagnostic.ts";

/** How a character is named in a message: itself when visible, its code point otherwise. */
function describeCharacter(ch: string): string {
  const code = ch.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (/[\p{C}\p{Z}]/u.test(ch)) return hex;
  return code < 0x80 ? `'${ch}'` : `'${ch}' (${hex})`;
}

function unexpectedCharacterHint(ch: string): string {
  if (ch === ";") return "statements need no ';' — put each on its own line";
  if (ch === "'") return 'strings use double quotes: "…"';
  return "remove it, or put it inside a comment or a string";
}

/** E0101 for each character that starts no token (one per character, surrogate pairs kept whole). */
export function unexpectedCharacters(
  errors: ILexingError[],
  text: string,
  file: string,
): Diagnostic[] {
  return errors.map((e) => {
    const ch = String.fromCodePoint(text.codePointAt(e.offset) ?? 0xfffd);
    return {
      code: "E0101",
      severity: "error",
      message: `unexpected character ${ch === "'" ? `"'"` : describeCharacter(ch)}`,
      span: { file, start: e.offset, end: e.offset + ch.length },
      label: "no token starts with this character",
      notes: [],
      hint: unexpectedCharacterHint(ch),
    };
  });
}

/** E0101 for tokens lexed only to be refused: `#` comments and unclosed block comments. */
export function invalidTokens(tokens: IToken[], file: string): Diagnostic[] {
  return tokens.map((t) => {
    const unclosed = t.tokenType.name === "UnterminatedComment";
    return {
      code: "E0101",
      severity: "error",
      message: unclosed ? "unterminated block comment" : "`#` does not start a comment",
      span: { file, start: t.startOffset, end: t.startOffset + (unclosed ? 2 : 1) },
      label: unclosed ? "this comment is never closed" : "not a comment in Loom",
      notes: [],
      hint: unclosed ? "close it with `*/`" : "comments start with // or /* … */",
    };
  });
}

/** A string whose last quote closes it (the content alternatives never match a bare quote). */
const CLOSED_STRING = /^"(?:[^"\\\r\n]|\\.)*"$/;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** E0101 for a string literal that is unclosed, holds a control character or a bad escape. */
export function badStrings(tokens: IToken[], file: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const t of tokens) {
    if (t.tokenType.name !== "StringLiteral") continue;
    const image = t.image;
    const at = (offset: number, length: number) => ({
      file,
      start: t.startOffset + offset,
      end: t.startOffset + offset + length,
    });
    if (!CLOSED_STRING.test(image)) {
      found.push({
        code: "E0101",
        severity: "error",
        message: "unterminated string",
        span: at(0, 1),
        label: "this string is not closed on its line",
        notes: [],
        hint: 'close it with `"` before the end of the line',
      });
      continue;
    }
    for (let i = 1; i < image.length - 1; i++) {
      const ch = image[i]!;
      if (ch === "\\") {
        ESCAPE.lastIndex = i;
        const match = ESCAPE.exec(image);
        if (!match) {
          found.push({
            code: "E0101",
            severity: "error",
            message: `invalid escape \`${image.slice(i, i + 2)}\` in a string`,
            span: at(i, 2),
            label: "not a JSON escape",
            notes: [],
            hint: 'strings allow the JSON escapes \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX',
          });
          break;
        }
        i += match[0].length - 1;
      } else if (ch.charCodeAt(0) < 0x20) {
        found.push({
          code: "E0101",
          severity: "error",
          message: `control character ${describeCharacter(ch)} in a string`,
          span: at(i, 1),
          label: "not allowed in a string",
          notes: [],
          hint: "write it as an escape, e.g. \\t for a tab",
        });
        break;
      }
    }
  }
  return found;
}
