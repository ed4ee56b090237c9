/**
 * The tokenizers a spec may name (`tokenizer "gpt2"`), made from their name and the weights'
 * metadata, and Hugging Face tokenizer.json files (`tokenizer "file:tokenizer.json"`).
 */
import { bertTokenizer } from "./bert.ts";
import { charTokenizer } from "./char.ts";
import { gpt2Tokenizer } from "./gpt2.ts";
import { isFileTokenizer } from "../../contracts/tokenizer-name.ts";
import { hubTokenizer } from "./hub.ts";
import type { Tokenizer, TokenizerError } from "./tokenizer.ts";

export type { Tokenizer, TokenizerError } from "./tokenizer.ts";

const FACTORIES: Record<
  string,
  (metadata: Readonly<Record<string, string>>) => Tokenizer | TokenizerError
> = {
  gpt2: () => gpt2Tokenizer(),
  "bert-base-uncased": () => bertTokenizer(),
  char: (metadata) => charTokenizer(metadata),
};

/** The names createTokenizer knows, in the order the language reference lists them. */
export const TOKENIZERS = Object.keys(FACTORIES);

/**
 * The tokenizer called `name`, configured by the weights file's metadata where it needs it (the
 * "char" alphabet), or why it cannot be made. A `file:` name is made from `json`, the text of its
 * tokenizer.json.
 */
export function createTokenizer(
  name: string,
  metadata: Readonly<Record<string, string>> = {},
  json?: string,
): Tokenizer | TokenizerError {
  if (isFileTokenizer(name))
    return json === undefined
      ? { error: `the tokenizer "${name}" needs the text of its tokenizer.json` }
      : hubTokenizer(json, name);
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) return { error: `unknown tokenizer "${name}"; known: ${TOKENIZERS.join(", ")}` };
  return factory(metadata);
}

/** Whether createTokenizer gave an error rather than a tokenizer. */
export function isTokenizerError(made: Tokenizer | TokenizerError): made is TokenizerError {
  return "error" in made;
}
