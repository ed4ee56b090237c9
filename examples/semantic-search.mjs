#!/usr/bin/env node
// Semantic search over Moby-Dick on WebGPU: the sentence encoder trained here
// (specs/tiny-sentence-encoder.loom, weights/tiny-sentence-encoder.safetensors) embeds the
// held-out passages of examples/moby-passages.json and the query, and cosine similarity ranks
// them. Run from the repository root after `npm ci`:
//
//   node examples/semantic-search.mjs "the captain swore revenge on the white whale" [--top 5] [--cpu]
//
// It uses only the package's API (`loom-webgpu`, here resolved to this checkout's dist/).
import { readFileSync } from "node:fs";
import { embedSentences, loadModel, openOnDevice, rankBySimilarity } from "loom-webgpu";

const args = process.argv.slice(2);
const flag = (name) => args.indexOf(name);
const top = flag("--top") >= 0 ? Number(args[flag("--top") + 1]) : 5;
const query = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--top");
if (!query || !Number.isInteger(top) || top < 1) {
  console.error('usage: node examples/semantic-search.mjs "QUERY" [--top N] [--cpu]');
  process.exit(2);
}

const root = new URL("..", import.meta.url);
const passages = JSON.parse(readFileSync(new URL("examples/moby-passages.json", root), "utf8"));
const model = loadModel(new URL("specs/tiny-sentence-encoder.loom", root).pathname, {
  weights: new URL("weights/tiny-sentence-encoder.safetensors", root).pathname,
  backend: flag("--cpu") >= 0 ? "cpu" : "webgpu",
});
const device = flag("--cpu") >= 0 ? undefined : await openOnDevice(model);
const options = device ? { device } : {};
const started = performance.now();
const corpus = await embedSentences(model, passages, options);
const [asked] = (await embedSentences(model, [query], options)).vectors;
const seconds = ((performance.now() - started) / 1000).toFixed(2);
device?.destroy();

console.log(
  `${passages.length} passages embedded in ${seconds} s on ${device ? "WebGPU" : "the CPU reference"}` +
    (corpus.truncated.length
      ? ` (${corpus.truncated.length} cut to ${corpus.maxTokens} tokens)`
      : ""),
);
for (const { index, score } of rankBySimilarity(asked, corpus.vectors).slice(0, top)) {
  const text = passages[index];
  console.log(
    `\n${score.toFixed(3)}  #${index}  ${text.length > 240 ? `${text.slice(0, 240)}…` : text}`,
  );
}
