import { decode, encode, vocabularySize } from "gpt-tokenizer/encoding/r50k_base";
import { checkIds, type Tokenizer } from "./tokenizer.ts";

/** GPT-2's end-of-text token: ends (and, in Hugging Face's convention, starts) a document. */
export const GPT2_END_OF_TEXT = 50256;
const END_OF_TEXT = "<|endoftext|>";

/**
 * GPT-2's byte-level BPE (the r50k_base encoding of gpt-tokenizer). The literal text
 * `<|endoftext|>` encodes to its special id 50256, as in Hugging Face's GPT2Tokenizer; everything
 * else is ordinary text.
 */
export function gpt2Tokenizer(): Tokenizer {
  const vocabSize = vocabularySize;
  return {
    name: "gpt2",
    vocabSize,
    eos: GPT2_END_OF_TEXT,
    bos: GPT2_END_OF_TEXT,
    encode(text) {
      const ids: number[] = [];
      text.split(END_OF_TEXT).forEach((part, i) => {
        if (i > 0) ids.push(GPT2_END_OF_TEXT);
        if (part) ids.push(...encode(part, { disallowedSpecial: new Set() }));
      });
      return ids;
    },
    decode(ids) {
      checkIds(ids, vocabSize, "gpt2");
      return decode(ids);
    },
  };
}
