/**
 * Where each value of a JSON document sits, by its path, so a diagnostic about a weight map can
 * point at the line of the rule it is about.
 */
import type { Span } from "../../../contracts/source.ts";

/** A path in parsed JSON: object keys and array indices, from the root. */
export type JsonPath = readonly (string | number)[];

/** The spans of every value of `text` (which JSON.parse accepted), by path. */
export class JsonSpans {
  private readonly spans = new Map<string, Span>();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    this.value(this.skip(0), []);
  }

  /** The span of the value at `path`, or of its nearest enclosing value that exists. */
  at(path: JsonPath): Span {
    for (let n = path.length; n >= 0; n--) {
      const span = this.spans.get(JSON.stringify(path.slice(0, n)));
      if (span) return span;
    }
    return { file: this.file, start: 0, end: 0 };
  }

  private skip(at: number): number {
    while (at < this.text.length && /\s/.test(this.text[at]!)) at++;
    return at;
  }

  /** The end of the string whose opening quote is at `at`. */
  private stringEnd(at: number): number {
    at++;
    while (this.text[at] !== '"') at += this.text[at] === "\\" ? 2 : 1;
    return at + 1;
  }

  /** Records the value starting at `start` and its members; returns where it ends. */
  private value(start: number, path: JsonPath): number {
    const open = this.text[start];
    let end: number;
    if (open === "{" || open === "[") {
      let at = this.skip(start + 1);
      let index = 0;
      while (this.text[at] !== "}" && this.text[at] !== "]") {
        let key: string | number = index++;
        if (open === "{") {
          const keyEnd = this.stringEnd(at);
          key = JSON.parse(this.text.slice(at, keyEnd)) as string;
          at = this.skip(this.skip(keyEnd) + 1); // past the colon
        }
        at = this.skip(this.value(at, [...path, key]));
        if (this.text[at] === ",") at = this.skip(at + 1);
      }
      end = at + 1;
    } else if (open === '"') {
      end = this.stringEnd(start);
    } else {
      end = start;
      while (end < this.text.length && /[^\s,\]}]/.test(this.text[end]!)) end++;
    }
    this.spans.set(JSON.stringify(path), { file: this.file, start, end });
    return end;
  }
}

/**
 * The offset where `text` stops being JSON (for text JSON.parse refused, whose message does not
 * always say where): the first character that no JSON document could have there.
 */
export function syntaxErrorAt(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw at;
  };
  const space = () => {
    while (at < text.length && /[ \t\r\n]/.test(text[at]!)) at++;
  };
  const literal = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
  const string = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const token = (pattern: RegExp) => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) fail();
    at = pattern.lastIndex;
  };
  const value = (): void => {
    space();
    const open = text[at];
    if (open === "{" || open === "[") {
      const close = open === "{" ? "}" : "]";
      at++;
      space();
      if (text[at] === close) {
        at++;
        return;
      }
      for (;;) {
        if (open === "{") {
          space();
          token(string);
          space();
          if (text[at] !== ":") fail();
          at++;
        }
        value();
        space();
        if (text[at] === close) {
          at++;
          return;
        }
        if (text[at] !== ",") fail();
        at++;
      }
    }
    token(open === '"' ? string : literal);
  };
  try {
    value();
    space();
    if (at < text.length) fail();
  } catch (offset) {
    return offset as number;
  }
  return 0;
}
