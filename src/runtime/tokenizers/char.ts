import { checkIds, type Tokenizer, type TokenizerError } from "./tokenizer.ts";

/** Metadata key of the alphabet: a JSON array of single characters; a character's id is its index. */
export const ALPHABET_KEY = "tokenizer.alphabet";
/** Optional metadata key: a character of the alphabet that stands in for characters outside it. */
export const UNKNOWN_KEY = "tokenizer.unknown";

/**
 * A character-level tokenizer over the alphabet in the weights' metadata. Characters are Unicode
 * code points. A character outside the alphabet is refused (encode throws a RangeError naming it)
 * unless the metadata names a stand-in with `tokenizer.unknown`.
 */
export function charTokenizer(
  metadata: Readonly<Record<string, string>>,
): Tokenizer | TokenizerError {
  const raw = metadata[ALPHABET_KEY];
  if (raw === undefined)
    return {
      error: `the "char" tokenizer needs its alphabet in the metadata key "${ALPHABET_KEY}" (a JSON array of single characters), which is missing`,
    };
  let alphabet: unknown;
  try {
    alphabet = JSON.parse(raw);
  } catch {
    return { error: `metadata "${ALPHABET_KEY}" is not valid JSON` };
  }
  if (!Array.isArray(alphabet) || alphabet.length === 0)
    return {
      error: `metadata "${ALPHABET_KEY}" must be a non-empty JSON array of single characters`,
    };
  const ids = new Map<string, number>();
  for (const [i, c] of alphabet.entries()) {
    if (typeof c !== "string" || Array.from(c).length !== 1)
      return {
        error: `metadata "${ALPHABET_KEY}"[${i}] is ${JSON.stringify(c)}, not a single character`,
      };
    if (ids.has(c))
      return {
        error: `metadata "${ALPHABET_KEY}" lists ${JSON.stringify(c)} twice (at ${ids.get(c)} and ${i})`,
      };
    ids.set(c, i);
  }
  const chars = alphabet as string[];
  const unknownChar = metadata[UNKNOWN_KEY];
  const unknown = unknownChar === undefined ? undefined : ids.get(unknownChar);
  if (unknownChar !== undefined && unknown === undefined)
    return {
      error: `metadata "${UNKNOWN_KEY}" is ${JSON.stringify(unknownChar)}, which is not in the alphabet`,
    };
  return {
    name: "char",
    vocabSize: chars.length,
    encode(text) {
      const out: number[] = [];
      let position = 0;
      for (const c of text) {
        const id = ids.get(c) ?? unknown;
        if (id === undefined) {
          const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
          throw new RangeError(
            `character ${JSON.stringify(c)} (U+${code}) at position ${position} is not in the tokenizer's ${chars.length}-character alphabet`,
          );
        }
        out.push(id);
        position++;
      }
      return out;
    },
    decode(tokens) {
      checkIds(tokens, chars.length, "char");
      return tokens.map((id) => chars[id]!).join("");
    },
  };
}
