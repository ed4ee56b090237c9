import type { Span } from "../../../contracts/source.ts";

/** Where one top-level field of a JSON object sits: its key (with quotes) and its value. */
export interface FieldSpans {
  key: Span;
  value: Span;
}

/**
 * The spans of the top-level fields of a JSON object, by key, so a diagnostic can point at the
 * config line it is about. `text` must already have parsed as a JSON object (JSON.parse).
 */
export function topLevelFieldSpans(text: string, file: string): Map<string, FieldSpans> {
  const spans = new Map<string, FieldSpans>();
  let at = text.indexOf("{") + 1;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  /** Moves past the string that starts at `at` (on its opening quote). */
  const skipString = () => {
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
  };
  /** Moves past one value: a string, or anything up to the `,` or `}` that ends it. */
  const skipValue = () => {
    let depth = 0;
    while (at < text.length) {
      const c = text[at]!;
      if (c === '"') {
        skipString();
        continue;
      }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (depth === 0) return;
        depth--;
      } else if (c === "," && depth === 0) return;
      at++;
    }
  };
  for (;;) {
    skipSpace();
    if (text[at] !== '"') return spans;
    const keyStart = at;
    skipString();
    const key = JSON.parse(text.slice(keyStart, at)) as string;
    const keySpan = { file, start: keyStart, end: at };
    skipSpace();
    at++; // the colon
    skipSpace();
    const valueStart = at;
    skipValue();
    let valueEnd = at;
    while (valueEnd > valueStart && /\s/.test(text[valueEnd - 1]!)) valueEnd--;
    spans.set(key, { key: keySpan, value: { file, start: valueStart, end: valueEnd } });
    if (text[at] === ",") at++;
    else return spans;
  }
}
