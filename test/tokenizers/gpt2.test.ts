import { describe, expect, it } from "vitest";
import { createTokenizer, isTokenizerError } from "../../src/runtime/tokenizers/index.ts";
import type { Tokenizer } from "../../src/runtime/tokenizers/index.ts";

function gpt2(): Tokenizer {
  const made = createTokenizer("gpt2");
  if (isTokenizerError(made)) throw new Error(made.error);
  return made;
}

describe("gpt2 tokenizer", () => {
  const t = gpt2();

  it("has GPT-2's vocabulary and end-of-text id", () => {
    expect(t.name).toBe("gpt2");
    expect(t.vocabSize).toBe(50257);
    expect(t.eos).toBe(50256);
    expect(t.bos).toBe(50256);
  });

  // Ids from GPT-2's encoder.json: "Hello" 15496, " world" 995, " Hello" 18435, "world" 6894,
  // "The" 464, " quick" 2068, " brown" 7586, " fox" 21831.
  it.each([
    ["Hello world", [15496, 995]],
    [" Hello world", [18435, 995]],
    ["The quick brown fox", [464, 2068, 7586, 21831]],
    ["", []],
  ])("encodes %j", (text, ids) => {
    expect(t.encode(text)).toEqual(ids);
  });

  it("encodes the literal <|endoftext|> as its special id", () => {
    expect(t.encode("<|endoftext|>")).toEqual([50256]);
    expect(t.encode("Hello<|endoftext|>world")).toEqual([15496, 50256, 6894]);
    expect(t.decode([15496, 50256, 6894])).toBe("Hello<|endoftext|>world");
  });

  it("round-trips any text, bytes included", () => {
    for (const text of ["Call me Ishmael.", "naïve café — 🐋\n\ttabs", "  spaces  ", "日本語"])
      expect(t.decode(t.encode(text))).toBe(text);
  });

  it("refuses ids outside the vocabulary", () => {
    expect(() => t.decode([50257])).toThrow(/outside the gpt2 vocabulary/);
    expect(() => t.decode([-1])).toThrow(RangeError);
  });
});
