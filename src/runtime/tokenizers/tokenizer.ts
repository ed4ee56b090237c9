/** What every tokenizer offers: text to token ids and back. */
export interface Tokenizer {
  /** The name a spec gives it (`tokenizer "gpt2"`). */
  name: string;
  /** Number of token ids; every id is in [0, vocabSize). */
  vocabSize: number;
  /** Token ids of the text. Throws a RangeError for text it cannot encode (see README.md). */
  encode(text: string): number[];
  /** The text of token ids. Throws a RangeError for an id outside the vocabulary. */
  decode(ids: number[]): string;
  /** The id that ends a sequence, if the tokenizer has one. */
  eos?: number;
  /** The id that starts a sequence, if the tokenizer has one. */
  bos?: number;
}

/** Why a tokenizer could not be made: one sentence, for the user. */
export interface TokenizerError {
  error: string;
  /** The diagnostic code, for a tokenizer.json Loom cannot read (E0541, E0542). */
  code?: "E0541" | "E0542";
}

/** Throws a RangeError unless every id is an integer in [0, vocabSize). */
export function checkIds(ids: readonly number[], vocabSize: number, name: string): void {
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new RangeError(
        `token id ${id} (at index ${i}) is outside the ${name} vocabulary [0, ${vocabSize - 1}]`,
      );
  });
}
