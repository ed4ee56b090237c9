// The torch layout against PyTorch: each fixture in torch/ is a state_dict of PyTorch's own
// transformer modules (nn.Transformer, nn.TransformerEncoder / Decoder, a lone encoder or decoder
// layer, norm_first both ways), saved as it is by parity/make_torch_fixtures.py with PyTorch's
// float64 outputs. The layout must be detected from the names, bind every tensor with no warning,
// and the reference executor must reproduce PyTorch's outputs within 1e-5.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { readSafetensors } from "../../src/formats/weights/safetensors.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { parseWeightMap } from "../../src/formats/weights/map/parse.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { seededTensors, specIr, textIr } from "./helpers.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DIR = join(ROOT, "test/weights/torch");
const TOLERANCE = 1e-5;

function bytesOf(path: string): Uint8Array {
  const file = readFileSync(path);
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}

function maxError(actual: Tensor, expected: Tensor): number {
  expect(actual.shape).toEqual(expected.shape);
  let max = 0;
  expected.data.forEach((e, i) => {
    const error = Math.abs(actual.data[i]! - e);
    max = Number.isNaN(error) ? Infinity : Math.max(max, error);
  });
  return max;
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".io.safetensors"))
  .map((f) => f.slice(0, -".io.safetensors".length))
  .sort();

describe("torch layout: PyTorch state_dicts as they are", () => {
  it("has the five module shapes", () => {
    expect(cases).toEqual([
      "decoder_layer",
      "decoder_pre",
      "encoder_layer",
      "encoder_pre",
      "transformer",
    ]);
  });

  for (const name of cases) {
    it(`${name}: detected, every tensor bound, outputs within ${TOLERANCE}`, () => {
      const ir = specIr(join(DIR, `${name}.loom`));
      const path = join(DIR, `${name}.safetensors`);
      const loaded = loadWeights(ir, path, bytesOf(path));
      expect(loaded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      expect(loaded.layout).toBe("torch");
      const io = readSafetensors(bytesOf(join(DIR, `${name}.io.safetensors`)), name);
      const inputs = Object.fromEntries(
        [...io.tensors!].filter(([k]) => k.startsWith("input.")).map(([k, t]) => [k.slice(6), t]),
      );
      const outputs = new ReferenceExecutor(ir, loaded.weights!).run(inputs);
      const error = maxError(outputs["out"] ?? outputs["hidden"]!, io.tensors!.get("output.out")!);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it("composes with a weight map: a wrapper's embedding renamed, the rest read by the layout", () => {
    const spec = readFileSync(join(DIR, "encoder_pre.loom"), "utf8").replace("as tok", "as emb");
    const ir = textIr(spec, "test/weights/torch/renamed.loom");
    const text = JSON.stringify({
      format: "loom-weight-map/1",
      layout: "torch",
      unused: "error",
      rules: [{ from: "tok.weight", to: "emb.weight" }],
    });
    const { map } = parseWeightMap(text, "renamed.weightmap.json");
    const path = join(DIR, "encoder_pre.safetensors");
    const loaded = loadWeights(ir, path, bytesOf(path), { weightMap: map! });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.layout).toBe("torch");
    const io = readSafetensors(bytesOf(join(DIR, "encoder_pre.io.safetensors")), "io").tensors!;
    const outputs = new ReferenceExecutor(ir, loaded.weights!).run({
      tokens: io.get("input.tokens")!,
      mask: io.get("input.mask")!,
    });
    expect(maxError(outputs["hidden"]!, io.get("output.out")!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("a lone layer behind an embedding: the layer by PyTorch's names, the embedding by Loom's", () => {
    const ir = textIr(
      [
        "model lone {",
        "  dims { vocab = 20, ctx = 8, d = 8, heads = 2, ffn = 16 }",
        "  input tokens: int[batch, seq <= ctx]",
        "  x = embed(tokens, vocab, d) as tok",
        "  x = x + attention(layernorm(x), heads, causal)",
        "  output out = x + mlp(layernorm(x), ffn, act = relu)",
        "}",
      ].join("\n"),
    );
    const tensors = seededTensors([
      ["tok.weight", [20, 8]],
      ["self_attn.in_proj_weight", [24, 8]],
      ["self_attn.in_proj_bias", [24]],
      ["self_attn.out_proj.weight", [8, 8]],
      ["self_attn.out_proj.bias", [8]],
      ["linear1.weight", [16, 8]],
      ["linear1.bias", [16]],
      ["linear2.weight", [8, 16]],
      ["linear2.bias", [8]],
      ["norm1.weight", [8]],
      ["norm1.bias", [8]],
      ["norm2.weight", [8]],
      ["norm2.bias", [8]],
    ]);
    const loaded = loadWeights(ir, "lone.safetensors", writeSafetensors(tensors));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.layout).toBe("torch");
    const k = loaded.weights!.get("attention.k.bias")!.data;
    expect([...k]).toEqual([...tensors.get("self_attn.in_proj_bias")!.data.subarray(8, 16)]);
    expect(loaded.weights!.get("tok.weight")!.data).toEqual(tensors.get("tok.weight")!.data);
    expect(loaded.weights!.get("layernorm_1.weight")!.data).toEqual(
      tensors.get("norm2.weight")!.data,
    );
  });
});
