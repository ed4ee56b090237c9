import { describe, expect, it } from "vitest";
import { newDecodeState, ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { tensor } from "../../src/contracts/tensor.ts";
import { createTokenizer, isTokenizerError } from "../../src/runtime/tokenizers/index.ts";
import type { Tokenizer } from "../../src/runtime/tokenizers/index.ts";
import { mobyDickSplit } from "../../training/data.ts";
import { argmax, crossEntropy, loadTrained } from "./helpers.ts";

const model = loadTrained("specs/tiny-gpt-moby.loom", "weights/tiny-gpt-moby.safetensors");
const meta = model.metadata;

function charTokenizer(): Tokenizer {
  const made = createTokenizer(model.ir.tokenizer ?? "", meta);
  if (isTokenizerError(made)) throw new Error(made.error);
  return made;
}

/** Mean next-character loss over ids cut into windows of ctx inputs, as training/train_gpt_moby.py. */
function windowsLoss(executor: ReferenceExecutor, ids: number[], ctx: number, vocab: number) {
  const starts: number[] = [];
  for (let s = 0; s < ids.length - 1; s += ctx) starts.push(s);
  const groups = [
    starts.filter((s) => s + ctx + 1 <= ids.length).map((s) => [s, s + ctx]),
    ...starts.filter((s) => s + ctx + 1 > ids.length).map((s) => [[s, ids.length - 1]]),
  ];
  let total = 0;
  let count = 0;
  for (const group of groups) {
    const width = group[0]![1]! - group[0]![0]!;
    const x = group.flatMap(([a, b]) => ids.slice(a, b));
    const { logits } = executor.run({ tokens: tensor([group.length, width], x) });
    group.forEach(([a], row) => {
      for (let s = 0; s < width; s++) {
        total += crossEntropy(logits!.data, (row * width + s) * vocab, vocab, ids[a! + s + 1]!);
        count++;
      }
    });
  }
  return { loss: total / count, count };
}

describe("tiny-gpt-moby: trained character-level GPT", () => {
  const tokenizer = charTokenizer();
  const vocab = model.ir.dims.find((d) => d.name === "vocab")!.value;
  const ctx = model.ir.dims.find((d) => d.name === "ctx")!.value;

  it("names the char tokenizer, whose alphabet the weights carry", () => {
    expect(model.ir.tokenizer).toBe("char");
    expect(meta["tokenizer"]).toBe("char");
    expect(tokenizer.vocabSize).toBe(vocab);
  });

  it("re-measures PyTorch's loss on a held-out 2,000-character slice", () => {
    const slice = JSON.parse(meta["training.val_slice"]!) as { start: number; length: number };
    const { chars, validationStart } = mobyDickSplit();
    expect(slice.start).toBeGreaterThanOrEqual(validationStart); // held out, never trained on
    expect(slice.length).toBe(2000);
    const ids = tokenizer.encode(chars.slice(slice.start, slice.start + slice.length).join(""));
    const executor = new ReferenceExecutor(model.ir, model.weights);
    const { loss, count } = windowsLoss(executor, ids, ctx, vocab);
    expect(count).toBe(1999);
    const expected = Number(meta["training.val_slice_loss"]);
    expect(Math.abs(loss - expected)).toBeLessThan(0.05);
    // Both are float64 computations from the same float32 weights: they agree far more closely.
    expect(loss).toBeCloseTo(expected, 5);
  });

  it("continues 'Call me' greedily exactly as PyTorch did, in the alphabet", () => {
    const prompt = meta["training.greedy_prompt"]!;
    const expected = meta["training.greedy_continuation"]!;
    expect(prompt).toBe("Call me");
    expect(Array.from(expected)).toHaveLength(40);
    const executor = new ReferenceExecutor(model.ir, model.weights, "tokens");
    const state = newDecodeState();
    let feed = tokenizer.encode(prompt);
    const produced: number[] = [];
    while (produced.length < 40) {
      const { logits } = executor.run({ tokens: tensor([1, feed.length], feed) }, state);
      const next = argmax(logits!.data, (feed.length - 1) * vocab, vocab);
      produced.push(next);
      feed = [next];
    }
    const text = tokenizer.decode(produced);
    const alphabet = JSON.parse(meta["tokenizer.alphabet"]!) as string[];
    for (const c of text) expect(alphabet).toContain(c);
    expect(text).toBe(expected);
  });
});
