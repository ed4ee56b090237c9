import { describe, expect, it } from "vitest";
import { createTokenizer, isTokenizerError } from "../../src/runtime/tokenizers/index.ts";
import type { Tokenizer } from "../../src/runtime/tokenizers/index.ts";

function char(metadata: Record<string, string>): Tokenizer {
  const made = createTokenizer("char", metadata);
  if (isTokenizerError(made)) throw new Error(made.error);
  return made;
}

const errorOf = (metadata: Record<string, string>) => {
  const made = createTokenizer("char", metadata);
  return isTokenizerError(made) ? made.error : undefined;
};

describe("char tokenizer", () => {
  const alphabet = JSON.stringify([" ", "a", "b", "—", "🐋"]);

  it("maps each character to its index in the alphabet", () => {
    const t = char({ "tokenizer.alphabet": alphabet });
    expect(t.vocabSize).toBe(5);
    expect(t.eos).toBeUndefined();
    expect(t.encode("ab a—🐋")).toEqual([1, 2, 0, 1, 3, 4]);
    expect(t.decode([1, 2, 0, 1, 3, 4])).toBe("ab a—🐋");
  });

  it("refuses a character outside the alphabet, naming it", () => {
    const t = char({ "tokenizer.alphabet": alphabet });
    expect(() => t.encode("abc")).toThrow(
      'character "c" (U+0063) at position 2 is not in the tokenizer\'s 5-character alphabet',
    );
    expect(() => t.decode([5])).toThrow(RangeError);
  });

  it("uses the metadata's stand-in for unknown characters when it names one", () => {
    const t = char({ "tokenizer.alphabet": alphabet, "tokenizer.unknown": " " });
    expect(t.encode("abc")).toEqual([1, 2, 0]);
    expect(errorOf({ "tokenizer.alphabet": alphabet, "tokenizer.unknown": "?" })).toMatch(
      /"tokenizer.unknown" is "\?", which is not in the alphabet/,
    );
  });

  it("says what is wrong with the alphabet", () => {
    expect(errorOf({})).toMatch(/needs its alphabet in the metadata key "tokenizer.alphabet"/);
    expect(errorOf({ "tokenizer.alphabet": "[a" })).toMatch(/not valid JSON/);
    expect(errorOf({ "tokenizer.alphabet": "[]" })).toMatch(/non-empty JSON array/);
    expect(errorOf({ "tokenizer.alphabet": '["a", "bc"]' })).toMatch(/\[1\] is "bc", not a single/);
    expect(errorOf({ "tokenizer.alphabet": '["a", 1]' })).toMatch(/\[1\] is 1, not a single/);
    expect(errorOf({ "tokenizer.alphabet": '["a", "b", "a"]' })).toMatch(/lists "a" twice/);
  });
});
