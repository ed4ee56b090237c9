/**
 * Hugging Face tokenizer.json files in Node: the one a spec names (`tokenizer "file:…"`, relative
 * to the spec) or the one `--tokenizer` / loadModel's `tokenizer` option gives, read with a cap
 * and made into a tokenizer, every failure a LoomError with its code (E0540–E0543).
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { MAX_TOKENIZER_BYTES } from "../contracts/bundle/limits.ts";
import { FILE_TOKENIZER_PREFIX, tokenizerPath } from "../contracts/tokenizer-name.ts";
import { createTokenizer, isTokenizerError, type Tokenizer } from "../runtime/tokenizers/index.ts";
import { LoomError } from "./errors.ts";

/** A tokenizer.json read: the name the tokenizer goes by, its text and the tokenizer it makes. */
export interface TokenizerFile {
  name: string;
  json: string;
  tokenizer: Tokenizer;
}

/** Where the tokenizer.json of a `file:` name lies: relative to the spec file's directory. */
export function specTokenizerPath(spec: string, name: string): string {
  const path = tokenizerPath(name);
  return isAbsolute(path) ? path : join(dirname(spec), path);
}

/** Reads and makes the tokenizer.json at `path`, named `name` (`file:tokenizer.json`). */
export function readTokenizerFile(
  path: string,
  name = `${FILE_TOKENIZER_PREFIX}${path}`,
): TokenizerFile {
  const json = readTokenizerText(path);
  return { name, json, tokenizer: tokenizerFromText(name, json, path) };
}

/** The tokenizer a tokenizer.json's text makes, or a LoomError (E0541, E0542) naming `where`. */
export function tokenizerFromText(name: string, json: string, where: string): Tokenizer {
  const made = createTokenizer(name, {}, json);
  if (!isTokenizerError(made)) return made;
  throw new LoomError(`cannot use the tokenizer ${where}: ${made.error}`, {
    ...(made.code ? { code: made.code } : {}),
  });
}

/** A tokenizer.json's text: E0540 when unreadable, E0543 over the cap, E0541 when not UTF-8. */
function readTokenizerText(path: string): string {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_TOKENIZER_BYTES)
      throw new LoomError(
        `the tokenizer ${path} has ${size} bytes, more than the ${MAX_TOKENIZER_BYTES} Loom reads`,
        { code: "E0543" },
      );
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof LoomError) throw error;
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "it does not exist" : (error as Error).message;
    throw new LoomError(`cannot read the tokenizer ${path}: ${why}`, {
      kind: "usage",
      code: "E0540",
    });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LoomError(`cannot use the tokenizer ${path}: it is not UTF-8 text`, {
      code: "E0541",
    });
  }
}
