/**
 * Writes the training data for the Python scripts into training/data/ (git-ignored):
 * moby-dick.txt (UTF-8) and mnist.json ({ train, test }: { labels, pixels } each, pixels as
 * 784-value rows). Run: npx tsx training/export-data.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mnistSplit, mobyDickText, type Digit } from "./data.ts";

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

console.log(
  `wrote ${out}: moby-dick.txt (${Array.from(text).length} characters), ` +
    `mnist.json (${train.length} training, ${test.length} test digits)`,
);
