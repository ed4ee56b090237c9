/** How a spec names a Hugging Face tokenizer.json rather than a built-in tokenizer. */

/** The prefix of a tokenizer.json's name: `file:` and the path, relative to the spec. */
export const FILE_TOKENIZER_PREFIX = "file:";

/** Whether a tokenizer name is a tokenizer.json file (`file:tokenizer.json`). */
export function isFileTokenizer(name: string): boolean {
  return name.startsWith(FILE_TOKENIZER_PREFIX);
}

/** The path a `file:` name gives (relative to the spec). */
export function tokenizerPath(name: string): string {
  return name.slice(FILE_TOKENIZER_PREFIX.length);
}
