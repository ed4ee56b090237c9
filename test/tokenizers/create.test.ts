import { describe, expect, it } from "vitest";
import { TOKENIZER_NAMES } from "../../src/compiler/elaborate/elaborate.ts";
import {
  createTokenizer,
  isTokenizerError,
  TOKENIZERS,
} from "../../src/runtime/tokenizers/index.ts";

describe("createTokenizer", () => {
  it("makes every tokenizer a spec may name", () => {
    expect([...TOKENIZERS].sort()).toEqual([...TOKENIZER_NAMES].sort());
    for (const name of TOKENIZER_NAMES) {
      const made = createTokenizer(name, { "tokenizer.alphabet": '["a"]' });
      expect(isTokenizerError(made), name).toBe(false);
      if (!isTokenizerError(made)) expect(made.name).toBe(name);
    }
  });

  it("refuses an unknown name, listing the known ones", () => {
    expect(createTokenizer("gpt3")).toEqual({
      error: 'unknown tokenizer "gpt3"; known: gpt2, bert-base-uncased, char',
    });
    expect(isTokenizerError(createTokenizer("toString"))).toBe(true);
  });
});
