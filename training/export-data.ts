/**
 * Writes the training data for the Python scripts into training/data/ (git-ignored):
 * moby-dick.txt (UTF-8), mnist.json ({ train, test }: { labels, pixels } each, pixels as
 * 784-value rows) and moby-passages.json ({ train, heldOut }: each passage a list of sentences,
 * each sentence its bert-base-uncased WordPiece ids without [CLS] and [SEP], through Loom's own
 * tokenizer); and examples/moby-passages.json, the held-out passages as text, the corpus the
 * semantic-search example and the playground search. Run: npx tsx training/export-data.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTokenizer, isTokenizerError } from "../src/runtime/tokenizers/index.ts";
import { mnistSplit, mobyDickPassages, mobyDickText, type Digit, type Passage } from "./data.ts";

const out = join(dirname(fileURLToPath(import.meta.url)), "data");
mkdirSync(out, { recursive: true });

const text = mobyDickText();
writeFileSync(join(out, "moby-dick.txt"), text, "utf8");

const { train, test } = mnistSplit();
const columns = (digits: Digit[]) => ({
  labels: digits.map((d) => d.label),
  pixels: digits.map((d) => d.pixels),
});
writeFileSync(
  join(out, "mnist.json"),
  JSON.stringify({ train: columns(train), test: columns(test) }),
);

const bert = createTokenizer("bert-base-uncased", {});
if (isTokenizerError(bert)) throw new Error(bert.error);
const pieces = (passages: Passage[]) =>
  passages.map((p) => p.sentences.map((s) => bert.encode(s).slice(1, -1)));
const { train: passageTrain, heldOut } = mobyDickPassages();
// The corpus of the semantic-search example and the playground's search (kept in the repository).
writeFileSync(
  join(dirname(out), "..", "examples", "moby-passages.json"),
  `${JSON.stringify(
    heldOut.map((p) => p.sentences.join(" ")),
    null,
    1,
  )}\n`,
);
writeFileSync(
  join(out, "moby-passages.json"),
  JSON.stringify({ train: pieces(passageTrain), heldOut: pieces(heldOut) }),
);

console.log(
  `wrote ${out}: moby-passages.json (${passageTrain.length} training, ${heldOut.length} held-out passages), moby-dick.txt (${Array.from(text).length} characters), ` +
    `mnist.json (${train.length} training, ${test.length} test digits)`,
);
