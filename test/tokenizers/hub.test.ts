/**
 * Hugging Face tokenizer.json files give the ids the reference `tokenizers` (Rust) library gives.
 * The files and the ids are written by parity/make_tokenizer_fixtures.py.
 */
import { readFileSync } from "node:fs";
import { Tokenizer as HubTokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { hubTokenizer } from "../../src/runtime/tokenizers/hub.ts";
import { isTokenizerError, type Tokenizer } from "../../src/runtime/tokenizers/index.ts";

const DIR = new URL("./hub/", import.meta.url);
const CASES = [
  "bytelevel-bpe",
  "wordpiece",
  "unigram",
  "bpe-fallback",
  "split-bpe",
  "whitespace-bpe",
  "wordpiece-ctc",
  "split-invert",
  "sentencepiece-unigram",
];

interface Reference {
  vocabSize: number;
  cases: { text: string; ids: number[]; decoded: string }[];
}

/** The tokenizer of a fixture, read through Loom. */
function fixtureTokenizer(name: string): Tokenizer {
  const made = hubTokenizer(readFileSync(new URL(`${name}.tokenizer.json`, DIR), "utf8"), name);
  if (isTokenizerError(made)) throw new Error(made.error);
  return made;
}

describe.each(CASES)("the %s tokenizer.json", (name) => {
  const reference = JSON.parse(readFileSync(new URL(`${name}.ids.json`, DIR), "utf8")) as Reference;
  const tokenizer = fixtureTokenizer(name);

  it("has the reference's vocabulary size", () => {
    expect(tokenizer.vocabSize).toBe(reference.vocabSize);
  });

  it("encodes every hard string to the reference's ids", () => {
    expect(reference.cases.length).toBeGreaterThan(15);
    for (const c of reference.cases) expect(tokenizer.encode(c.text), c.text).toEqual(c.ids);
  });

  it("decodes the reference's ids to the reference's text", () => {
    for (const c of reference.cases) expect(tokenizer.decode(c.ids), c.text).toBe(c.decoded);
  });

  it("refuses to decode an id outside the vocabulary", () => {
    expect(() => tokenizer.decode([tokenizer.vocabSize])).toThrow(RangeError);
  });
});

describe("special tokens of a tokenizer.json", () => {
  it("are the eos and bos ids generation uses", () => {
    const ends = CASES.map((name) => {
      const t = fixtureTokenizer(name);
      return [name, t.bos, t.eos];
    });
    expect(ends).toEqual([
      ["bytelevel-bpe", 0, 2], // <s>, </s>
      ["wordpiece", 2, 3], // [CLS], [SEP]
      ["unigram", undefined, 1], // </s>
      ["bpe-fallback", 1, 2], // <s>, </s>
      ["split-bpe", 0, 1], // <|begin_of_text|>, <|end_of_text|>
      ["whitespace-bpe", 1, 2], // [CLS], [SEP]
      ["wordpiece-ctc", undefined, undefined],
      ["split-invert", undefined, undefined],
      ["sentencepiece-unigram", undefined, undefined], // from_spm adds no special tokens
    ]);
  });
});

describe("a SentencePiece Precompiled charsmap", () => {
  it("is applied exactly, where the library alone only approximates it by NFKC", () => {
    const name = "sentencepiece-unigram";
    const text = readFileSync(new URL(`${name}.tokenizer.json`, DIR), "utf8");
    const reference = JSON.parse(
      readFileSync(new URL(`${name}.ids.json`, DIR), "utf8"),
    ) as Reference;
    const rules = reference.cases.at(-1)!; // "ﬁne Ａ ’quoted’ Åsa e\u0301e\u0301 ß\u3000x"
    expect(fixtureTokenizer(name).encode(rules.text)).toEqual(rules.ids);
    expect(new HubTokenizer(JSON.parse(text), {}).encode(rules.text).ids).not.toEqual(rules.ids);
  });

  it("is refused when malformed (E0541)", () => {
    const json = JSON.parse(
      readFileSync(new URL("sentencepiece-unigram.tokenizer.json", DIR), "utf8"),
    );
    json.normalizer.normalizers[0].precompiled_charsmap = "AAAA";
    expect(hubTokenizer(JSON.stringify(json), "x")).toMatchObject({ code: "E0541" });
  });
});
