/** A tokenizer.json Loom cannot reproduce exactly is refused with a code, never tokenized differently. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTokenizer } from "../../src/runtime/tokenizers/index.ts";
import { hubTokenizer } from "../../src/runtime/tokenizers/hub.ts";

const BPE = JSON.parse(
  readFileSync(new URL("./hub/bytelevel-bpe.tokenizer.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

/** The byte-level BPE fixture with `edit` applied, as text. */
function edited(edit: (json: Record<string, any>) => void): string {
  const json = structuredClone(BPE);
  edit(json);
  return JSON.stringify(json);
}

/** An edit that makes the pre-tokenizer one Split. */
const split = (pattern: object, behavior: string) => (j: any) =>
  (j.pre_tokenizer = { type: "Split", pattern, behavior, invert: false });

const refusal = (text: string) => hubTokenizer(text, "file:tokenizer.json");

describe("a malformed tokenizer.json (E0541)", () => {
  it.each([
    ["truncated JSON", JSON.stringify(BPE).slice(0, 500), /^not JSON: /],
    ["not an object", "[1, 2]", /not a JSON object/],
    ["no model", edited((j) => delete j.model), /has no `model` object/],
    ["no model type", edited((j) => delete j.model.type), /`model.type` is missing/],
    [
      "a list vocabulary for BPE",
      edited((j) => (j.model.vocab = [])),
      /`model.vocab` is not the BPE/,
    ],
    [
      "added tokens without ids",
      edited((j) => (j.added_tokens = [{ content: "x" }])),
      /added_tokens/,
    ],
    ["a decoder with no type", edited((j) => (j.decoder = {})), /`decoder` is not an object/],
  ])("%s", (_, text, message) => {
    const made = refusal(text);
    expect(made).toMatchObject({ code: "E0541" });
    expect((made as { error: string }).error).toMatch(message);
  });
});

describe("an unsupported tokenizer.json (E0542)", () => {
  it.each([
    ["a WordLevel model", (j: any) => (j.model.type = "WordLevel"), '`model.type` is "WordLevel"'],
    [
      "an Nmt normalizer",
      (j: any) => (j.normalizer = { type: "Nmt" }),
      '`normalizer.type` is "Nmt"',
    ],
    [
      "a Punctuation pre-tokenizer inside a Sequence",
      (j: any) =>
        (j.pre_tokenizer = {
          type: "Sequence",
          pretokenizers: [j.pre_tokenizer, { type: "Punctuation", behavior: "Isolated" }],
        }),
      '`pre_tokenizer.pretokenizers[1].type` is "Punctuation"',
    ],
    [
      "a Split merged with the previous piece",
      split({ String: " " }, "MergedWithPrevious"),
      'splits with behavior "MergedWithPrevious"',
    ],
    ["a Split pattern with \\G", split({ Regex: "\\G\\w+" }, "Isolated"), "uses \\G"],
    [
      "a BPE continuing-subword prefix",
      (j: any) => (j.model.continuing_subword_prefix = "##"),
      'continuing_subword_prefix` is "##"',
    ],
    [
      "a BPE end-of-word suffix",
      (j: any) => (j.model.end_of_word_suffix = "</w>"),
      'end_of_word_suffix` is "</w>"',
    ],
    ["BPE dropout", (j: any) => (j.model.dropout = 0.1), "BPE dropout samples"],
    [
      "a CharDelimiterSplit",
      (j: any) => (j.pre_tokenizer = { type: "CharDelimiterSplit", delimiter: " " }),
      "CharDelimiterSplit",
    ],
  ])("%s", (_, edit, message) => {
    const made = refusal(edited(edit));
    expect(made).toMatchObject({ code: "E0542" });
    expect((made as { error: string }).error).toContain(message);
  });
});

describe("createTokenizer with a file: name", () => {
  it("makes the tokenizer from the file's text", () => {
    const made = createTokenizer("file:tok.json", {}, JSON.stringify(BPE));
    expect(made).toMatchObject({ name: "file:tok.json", vocabSize: 400 });
  });

  it("refuses a file: name without the text", () => {
    expect(createTokenizer("file:tok.json")).toEqual({
      error: 'the tokenizer "file:tok.json" needs the text of its tokenizer.json',
    });
  });
});
