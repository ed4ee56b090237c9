/**
 * Accuracy and size of each weight format on the trained Moby-Dick GPT (docs/trained-models.md):
 *
 *     npx tsx tools/weight-formats.ts [--chars N] [--offset N]
 *
 * compiles specs/tiny-gpt-moby.loom with weights/tiny-gpt-moby.safetensors in f32, f16, q8 and q4,
 * reads each bundle back from its bytes, and runs the CPU reference on its weights (the unpacked
 * values, exactly what the kernels compute with) over N characters of the held-out text (default
 * 8,192 from its start, plus --offset), cut into 128-character windows as training measured it.
 * Prints per format: the bundle's and the weights file's bytes, the largest |logit − f32 logit|
 * over every position (and as a share of the largest f32 logit), the mean next-character loss,
 * bits per character and perplexity. Exit 1 if a bundle fails to compile or read.
 */
import { compileSpec } from "../src/api/compile.ts";
import { encodeBundle } from "../src/compiler/bundle/encode.ts";
import type { WeightFormat } from "../src/contracts/weight-format.ts";
import { tensor, type Tensor } from "../src/contracts/tensor.ts";
import { decodeBundle } from "../src/formats/bundle/read.ts";
import { WEIGHTS_FILE } from "../src/contracts/bundle/manifest.ts";
import { ReferenceExecutor } from "../src/runtime/reference/executor.ts";
import { createTokenizer, isTokenizerError } from "../src/runtime/tokenizers/index.ts";
import { mobyDickSplit } from "../training/data.ts";
import { intOption } from "./int-option.ts";

const SPEC = "specs/tiny-gpt-moby.loom";
const WEIGHTS = "weights/tiny-gpt-moby.safetensors";
const FORMATS: WeightFormat[] = ["f32", "f16", "q8", "q4"];
const chars = intOption("chars", 8192);
const offset = intOption("offset", 0);

/** A format's bundle: its sizes and the weights a reader gets back. */
function compiled(format: WeightFormat) {
  const model = compileSpec(SPEC, { weights: WEIGHTS, layout: "loom", weightFormat: format });
  const encoded = encodeBundle(model.content);
  const files = new Map(encoded.files.map((f) => [f.path, f.bytes]));
  const read = decodeBundle({
    location: `${format} bundle`,
    pathOf: (file) => file,
    read: (file) => files.get(file)!,
  });
  if (!read.bundle) {
    console.error(read.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
    process.exit(1);
  }
  return {
    ir: model.ir,
    metadata: model.content.weightsMetadata ?? {},
    weights: read.bundle.weights,
    bundleBytes: encoded.files.reduce((n, f) => n + f.bytes.length, 0),
    weightsBytes: files.get(WEIGHTS_FILE)!.length,
  };
}

/** The logits of every 128-character window of `ids` (inputs) and each position's target. */
function logitsOf(
  ir: ReturnType<typeof compiled>["ir"],
  weights: Map<string, Tensor>,
  ids: number[],
  ctx: number,
) {
  const executor = new ReferenceExecutor(ir, weights);
  const windows: Float64Array[] = [];
  for (let s = 0; s + 1 < ids.length; s += ctx) {
    const input = ids.slice(s, Math.min(s + ctx, ids.length - 1));
    windows.push(executor.run({ tokens: tensor([1, input.length], input) }).logits!.data);
  }
  return windows;
}

function crossEntropy(row: Float64Array, offset: number, n: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, row[offset + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(row[offset + i]! - max);
  return Math.log(sum) + max - row[offset + target]!;
}

const f32 = compiled("f32");
const vocab = f32.ir.dims.find((d) => d.name === "vocab")!.value;
const ctx = f32.ir.dims.find((d) => d.name === "ctx")!.value;
const tokenizer = createTokenizer(f32.ir.tokenizer ?? "", f32.metadata);
if (isTokenizerError(tokenizer)) throw new Error(tokenizer.error);
const { chars: novel, validationStart } = mobyDickSplit();
const start = validationStart + offset;
const ids = tokenizer.encode(novel.slice(start, start + chars).join(""));
console.log(
  `tiny-gpt-moby, ${ids.length} held-out characters from ${start} (validation starts at ${validationStart}), windows of ${ctx}, CPU reference`,
);
console.log(
  "format  bundle bytes  weights bytes  max |Δlogit|  (of max |logit|)  loss (nats/char)  bits/char  perplexity",
);
let reference: Float64Array[] | undefined;
for (const format of FORMATS) {
  const model = format === "f32" ? f32 : compiled(format);
  const windows = logitsOf(model.ir, model.weights, ids, ctx);
  reference ??= windows;
  let worst = 0;
  let largest = 0;
  let loss = 0;
  let count = 0;
  windows.forEach((logits, w) => {
    const base = reference![w]!;
    logits.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - base[i]!));
      largest = Math.max(largest, Math.abs(base[i]!));
    });
    for (let s = 0; s < logits.length / vocab; s++) {
      loss += crossEntropy(logits, s * vocab, vocab, ids[w * ctx + s + 1]!);
      count++;
    }
  });
  const mean = loss / count;
  console.log(
    [
      format.padEnd(6),
      String(model.bundleBytes).padStart(12),
      String(model.weightsBytes).padStart(13),
      worst.toExponential(2).padStart(12),
      `${((100 * worst) / largest).toFixed(3)}%`.padStart(17),
      mean.toFixed(4).padStart(17),
      (mean / Math.LN2).toFixed(3).padStart(10),
      Math.exp(mean).toFixed(3).padStart(11),
    ].join("  "),
  );
}
