/**
 * ONNX export, run by onnxruntime-node: every tiny spec family gives the CPU reference executor's
 * outputs within 1e-4 (float32 against float64), at two batch sizes and lengths through one
 * session, since batch and sequence stay symbolic in the file.
 */
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../../src/compiler/export/onnx/export.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { specIr, textIr } from "../weights/helpers.ts";

/** Deterministic inputs: batch → `batch`, the k-th other symbol → `length + 2k`. */
function inputsFor(ir: TypedIr, batch: number, length: number) {
  const sizes = new Map<string, number>();
  ir.symbols.forEach((s) =>
    sizes.set(s.name, s.name === "batch" ? batch : length + 2 * sizes.size),
  );
  const reference: Record<string, Tensor> = {};
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of ir.inputs) {
    const shape = input.shape.map((d) => (typeof d === "number" ? d : sizes.get(d)!));
    const count = shape.reduce((a, b) => a * b, 1);
    const row = shape.at(-1)!;
    const values = Array.from({ length: count }, (_, i) =>
      input.dtype === "bool"
        ? Number(i % row === 0 || (i * 5) % 7 !== 3) // some keys padded, never the first
        : input.dtype === "int"
          ? (i * 37 + 11) % 2 // ids valid in every vocabulary (segments have 2)
          : Math.sin(i * 0.7),
    );
    reference[input.name] = { shape, data: Float64Array.from(values) };
    feeds[input.name] =
      input.dtype === "int"
        ? new ort.Tensor("int64", BigInt64Array.from(values.map(BigInt)), shape)
        : input.dtype === "bool"
          ? new ort.Tensor("bool", Uint8Array.from(values), shape)
          : new ort.Tensor("float32", Float32Array.from(values), shape);
  }
  return { reference, feeds };
}

async function expectSameOutputs(ir: TypedIr) {
  const weights = initWeights(ir, 1);
  const result = exportOnnx(ir, weights);
  expect(result.diagnostics).toEqual([]);
  const session = await ort.InferenceSession.create(result.bytes!);
  for (const [batch, length] of [
    [2, 5],
    [1, 3],
  ] as const) {
    const { reference, feeds } = inputsFor(ir, batch, length);
    const want = new ReferenceExecutor(ir, weights).run(reference);
    const got = await session.run(feeds);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [name, tensor] of Object.entries(want)) {
      expect(got[name]!.dims, name).toEqual(tensor.shape);
      const data = got[name]!.data as Float32Array;
      let worst = 0;
      tensor.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(data[i]! - v))));
      expect(worst, `${name} at batch ${batch}, length ${length}`).toBeLessThan(1e-4);
    }
  }
  return result.bytes!;
}

describe("ONNX export matches the reference executor (onnxruntime-node)", () => {
  it("decoder with a causal mask, learned positions and a tied head (tiny-gpt)", async () => {
    const bytes = await expectSameOutputs(specIr("specs/tiny-gpt.loom"));
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    expect(Number(model.opsetImport[0]!.version)).toBe(17);
    const graph = model.graph as onnxProto.onnx.GraphProto;
    const dims = graph.input[0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam);
    expect(dims).toEqual(["batch", "seq"]);
    // The tied head reads the embedding's initializer: it is stored once.
    expect(graph.initializer.filter((t) => t.name === "wte.weight")).toHaveLength(1);
  });

  it("RoPE, grouped-query attention and SwiGLU (tiny-llama)", async () => {
    await expectSameOutputs(specIr("specs/tiny-llama.loom"));
  });

  it("encoder with a padding mask, exact GELU and the pooler (tiny-bert)", async () => {
    await expectSameOutputs(specIr("specs/tiny-bert.loom"));
  });

  it("mixture of experts with top-k routing and a shared expert (tiny-mixtral)", async () => {
    await expectSameOutputs(specIr("specs/tiny-mixtral.loom"));
  });

  it("ViT: patch convolution, [CLS] token and classifier (tiny-vit)", async () => {
    await expectSameOutputs(specIr("specs/tiny-vit.loom"));
  });

  it("ALiBi, causal (BLOOM's slopes for 6 heads) and bidirectional with padding", async () => {
    await expectSameOutputs(specIr("test/parity/specs/alibi_bloom.loom"));
    await expectSameOutputs(specIr("test/parity/specs/alibi_encoder.loom"));
  });

  it("sinusoids by timescales, interleaved and in halves, and attention with out =", async () => {
    await expectSameOutputs(specIr("test/parity/specs/sinusoid_out.loom"));
  });

  it("a mask from the padding id, masked mean pooling by hand, l2_normalize, reductions, slices", async () => {
    await expectSameOutputs(specIr("test/parity/specs/sentence_encoder.loom"));
  });

  it("encoder-decoder with T5 relative bias and cross-attention (tiny-t5)", async () => {
    await expectSameOutputs(specIr("specs/tiny-t5.loom"));
  });
});

describe("what ONNX export refuses", () => {
  it("RoPE over an unbounded sequence: E0924 names the layer and asks for a bound", () => {
    const ir = textIr(`model m {
  dims { vocab = 32, d = 16, heads = 2 }
  input tokens: int[batch, seq]
  x = embed(tokens, vocab, d)
  x = x + attention(x, heads, causal, rope(theta = 10000))
  output logits = linear(x, vocab)
}`);
    const result = exportOnnx(ir, initWeights(ir, 0));
    expect(result.bytes).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(["E0924"]);
    expect(result.diagnostics[0]!.message).toContain("needs a bound on the sequence (`seq`)");
  });

  it("a model over the 2 GiB of one protobuf file (Llama 2 7B) is refused before any weight is read", () => {
    const result = exportOnnx(specIr("specs/llama2-7b.loom"), new Map());
    expect(result.diagnostics.map((d) => d.code)).toEqual(["E0924"]);
    expect(result.diagnostics[0]!.message).toContain("25.1 GiB of float32 weights");
  });
});
