/**
 * The embedding entry points' refusals and batching (src/runtime/embed.ts, src/api/embed.ts):
 * a model that cannot embed text says what it lacks; without a mask, texts go one at a time
 * (padding would change their embedding); with one, in batches up to the batch bound, padded.
 */
import { describe, expect, it } from "vitest";
import { embedSentences } from "../../src/api/embed.ts";
import { InputError } from "../../src/api/errors.ts";
import { loadModel } from "../../src/api/model.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { embeddingSignature, embedTexts } from "../../src/runtime/embed.ts";
import { createTokenizer, isTokenizerError } from "../../src/runtime/tokenizers/index.ts";
import { specIr, textIr } from "../weights/helpers.ts";

const encoder = (mask: boolean) =>
  textIr(`model enc {
  dims { vocab = 30522, d = 8, heads = 2 }
  input tokens: int[batch <= 3, seq <= 6]
  ${mask ? "input mask: bool[batch, seq]" : ""}
  x = embed(tokens, vocab, d)
  output embedding = mean_pool(x${mask ? ", padding = mask" : ""})
}`);

describe("embeddingSignature", () => {
  it("reads the token input, the mask, the output and the bounds", () => {
    expect(embeddingSignature(encoder(true))).toEqual({
      tokens: "tokens",
      mask: "mask",
      output: "embedding",
      maxTokens: 6,
      maxBatch: 3,
    });
  });

  it("refuses a model with other inputs, or without one [batch, width] output", () => {
    expect(() => embeddingSignature(specIr("specs/tiny-bert.loom"))).toThrow(
      /needs one int \[batch, seq\] token input and at most one bool \[batch, seq\] mask, and has tokens: int\[batch, seq\], segments/,
    );
    expect(() => embeddingSignature(specIr("specs/tiny-gpt.loom"))).toThrow(
      "model `tiny_gpt` has 0 [batch, width] outputs; name one (output)",
    );
    expect(() => embeddingSignature(encoder(true), { output: "pooled" })).toThrow(
      "model `enc` has no [batch, width] output `pooled`; it has `embedding`",
    );
  });
});

describe("embedTexts batching", () => {
  const made = createTokenizer("bert-base-uncased", {});
  if (isTokenizerError(made)) throw new Error(made.error);
  const bert = made;
  const texts = ["call me ishmael", "the whale", "a ship", "the sea"];

  async function batchShapes(mask: boolean): Promise<number[][]> {
    const shapes: number[][] = [];
    const firstRows: number[][] = [];
    const forward = async (inputs: Record<string, Tensor>) => {
      shapes.push(inputs["tokens"]!.shape);
      const width = inputs["tokens"]!.shape[1]!;
      firstRows.push(Array.from(inputs["tokens"]!.data.subarray(0, width)));
      const rows = inputs["tokens"]!.shape[0]!;
      return { embedding: { shape: [rows, 2], data: new Float64Array(rows * 2).fill(1) } };
    };
    const result = await embedTexts(embeddingSignature(encoder(mask)), bert, texts, forward);
    expect(result.vectors.map((v) => Array.from(v))).toEqual(
      texts.map(() => [Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)]),
    );
    // "call me ishmael" is [CLS] call me is ##hma ##el [SEP]: 7 ids, over the bound of 6, so it
    // is cut to its first 5 and [SEP]; the others are 4 ids each.
    expect(result.truncated).toEqual([0]);
    expect(firstRows[0]).toEqual([101, 2655, 2033, 2003, 22444, 102]);
    return shapes;
  }

  it("batches up to the bound with a mask, padded to the longest text", async () => {
    expect(await batchShapes(true)).toEqual([
      [3, 6],
      [1, 4],
    ]);
  });

  it("embeds one text at a time without a mask", async () => {
    expect(await batchShapes(false)).toEqual([
      [1, 6],
      [1, 4],
      [1, 4],
      [1, 4],
    ]);
  });
});

it("embedSentences refuses a model without a tokenizer (InputError)", async () => {
  const model = loadModel("specs/tiny-vit.loom", { backend: "cpu" });
  await expect(embedSentences(model, ["x"])).rejects.toThrow(InputError);
  await expect(embedSentences(model, ["x"])).rejects.toThrow("names no tokenizer");
});
