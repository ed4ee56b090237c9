/**
 * A Hugging Face tokenizer.json (byte-level BPE, WordPiece, Unigram, BPE with byte fallback) run
 * by @huggingface/tokenizers, after hub-check.ts has refused what it would not reproduce exactly.
 */
import { Tokenizer as HubTokenizer } from "@huggingface/tokenizers";
import { checkHubTokenizer } from "./hub-check.ts";
import { precompiledNormalizer } from "./precompiled.ts";
import { checkIds, type Tokenizer, type TokenizerError } from "./tokenizer.ts";

/** Special tokens that end a sequence, in order of preference (the first one present wins). */
const EOS_NAMES = ["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "[SEP]"];
/** Special tokens that start a sequence, in order of preference. */
const BOS_NAMES = ["<s>", "<|begin_of_text|>", "<bos>", "[CLS]", "<|endoftext|>"];

/**
 * The tokenizer a tokenizer.json's text describes, called `name` (`file:tokenizer.json`), or why
 * it cannot be read (E0541 malformed, E0542 unsupported). `encode` adds the special tokens the
 * file's post-processor adds, as the checkpoint's own tokenizer does; `decode` skips them.
 */
export function hubTokenizer(text: string, name: string): Tokenizer | TokenizerError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { code: "E0541", error: `not JSON: ${(error as Error).message}` };
  }
  const problem = checkHubTokenizer(json);
  if (problem) return problem;
  let hub: HubTokenizer;
  try {
    hub = new HubTokenizer(json as object, {});
  } catch (error) {
    return { code: "E0541", error: `not a readable tokenizer.json: ${(error as Error).message}` };
  }
  const charsmap = exactPrecompiled(hub.normalizer);
  if (charsmap) return { code: "E0541", error: `not a readable tokenizer.json: ${charsmap}` };
  const vocab = hub.get_vocab(true);
  const vocabSize = Math.max(-1, ...vocab.values()) + 1;
  const special = new Map(
    [...hub.get_added_tokens_decoder().values()]
      .filter((t) => t.special)
      .map((t) => [t.content, t.id]),
  );
  const pick = (names: string[]) => names.map((n) => special.get(n)).find((id) => id !== undefined);
  const eos = pick(EOS_NAMES);
  const bos = pick(BOS_NAMES);
  return {
    name,
    vocabSize,
    ...(eos !== undefined ? { eos } : {}),
    ...(bos !== undefined ? { bos } : {}),
    encode: (input) => hub.encode(input).ids,
    decode(ids) {
      checkIds(ids, vocabSize, name);
      // The library refuses an empty list; Rust decodes it to "".
      if (ids.length === 0) return "";
      return hub.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
    },
  };
}

/** A normalizer of the library, as far as this file looks into it. */
interface LibraryNormalizer {
  config?: { type?: string; precompiled_charsmap?: unknown };
  normalizers?: (LibraryNormalizer | null)[];
  normalize?: (text: string) => string;
}

/**
 * Puts precompiled.ts's exact charsmap in place of the library's NFKC approximation, in every
 * `Precompiled` normalizer (inside Sequences too); returns why a charsmap is malformed.
 */
function exactPrecompiled(normalizer: unknown): string | undefined {
  const n = normalizer as LibraryNormalizer | null;
  if (!n) return undefined;
  if (n.config?.type === "Sequence")
    return (n.normalizers ?? []).map(exactPrecompiled).find((why) => why !== undefined);
  if (n.config?.type !== "Precompiled") return undefined;
  const charsmap = n.config.precompiled_charsmap;
  if (typeof charsmap !== "string") return "`precompiled_charsmap` is not a string";
  const normalize = precompiledNormalizer(charsmap);
  if (typeof normalize === "string") return normalize;
  n.normalize = normalize;
  return undefined;
}
