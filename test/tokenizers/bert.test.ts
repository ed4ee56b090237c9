import { describe, expect, it } from "vitest";
import { basicTokenize } from "../../src/runtime/tokenizers/bert.ts";
import { createTokenizer, isTokenizerError } from "../../src/runtime/tokenizers/index.ts";
import type { Tokenizer } from "../../src/runtime/tokenizers/index.ts";

function bert(): Tokenizer {
  const made = createTokenizer("bert-base-uncased");
  if (isTokenizerError(made)) throw new Error(made.error);
  return made;
}

describe("bert-base-uncased tokenizer", () => {
  const t = bert();

  it("has BERT's vocabulary and special ids", () => {
    expect(t.vocabSize).toBe(30522);
    expect(t.bos).toBe(101); // [CLS]
    expect(t.eos).toBe(102); // [SEP]
  });

  // Ids from bert-base-uncased's vocab.txt (0-based line numbers): hello 7592, "," 1010, world
  // 2088, "!" 999, i 1045, like 2066, straw 13137, ##berries 20968, una 14477, ##ffa 20961,
  // ##ble 3468, "(" 1006, ")" 1007, cafe 7668, "$" 1002, "5" 1019, don 2123, "'" 1005, t 1056.
  it.each([
    ["Hello, world!", [101, 7592, 1010, 2088, 999, 102]],
    ["i like strawberries", [101, 1045, 2066, 13137, 20968, 102]],
    ["unaffable", [101, 14477, 20961, 3468, 102]],
    ["(hello)", [101, 1006, 7592, 1007, 102]],
    ["café  CAFÉ", [101, 7668, 7668, 102]],
    ["$5", [101, 1002, 1019, 102]],
    ["don't", [101, 2123, 1005, 1056, 102]],
    ["", [101, 102]],
  ])("encodes %j as [CLS] pieces [SEP]", (text, ids) => {
    expect(t.encode(text)).toEqual(ids);
  });

  it("gives [UNK] (100) for a word with no pieces and for words over 100 characters", () => {
    expect(t.encode("🐋 whale")).toEqual([101, 100, 13156, 102]);
    expect(t.encode("a".repeat(101))).toEqual([101, 100, 102]);
  });

  it("splits like BERT's basic tokenizer", () => {
    expect(basicTokenize(" Héllo,\u00a0WORLD!\tNaïve\u0000 北京 ")).toEqual([
      "hello",
      ",",
      "world",
      "!",
      "naive",
      "北",
      "京",
    ]);
  });

  it("decodes without the special tokens, joining ## pieces", () => {
    expect(t.decode([101, 7592, 1010, 2088, 999, 102])).toBe("hello, world!");
    expect(t.decode([101, 1045, 2066, 13137, 20968, 102, 0, 0])).toBe("i like strawberries");
    expect(t.decode(t.encode("Don't PANIC."))).toBe("don't panic.");
    expect(() => t.decode([30522])).toThrow(RangeError);
  });
});
