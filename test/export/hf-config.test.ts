/**
 * `exportHfConfig`: a published config, imported as a spec and exported again, gives back its
 * own values for every field written; specs that no config means are refused with the layer and
 * attribute at fault.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { exportHfConfig } from "../../src/compiler/export/hf/export.ts";
import { importHfConfig } from "../../src/compiler/import/hf/import.ts";
import { specIr, textIr } from "../weights/helpers.ts";

const CONFIGS = "test/import/configs";

async function roundTrip(file: string, context?: number) {
  const text = readFileSync(`${CONFIGS}/${file}`, "utf8");
  const imported = await importHfConfig(text, file, context ? { context } : {});
  expect(imported.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const ir = checkSpec("imported.loom", () => imported.spec!).models[0]!.ir!;
  const exported = await exportHfConfig(ir);
  expect(exported.diagnostics).toEqual([]);
  return { original: JSON.parse(text) as Record<string, unknown>, exported: exported.config! };
}

describe("config.json round trip: import → spec → export", () => {
  const cases: [string, string, number?][] = [
    ["gpt2.json", "gpt2"],
    ["bert-base-uncased.json", "bert"],
    ["llama-2-7b.json", "llama"],
    ["meta-llama-3-8b.json", "llama"],
    ["tinyllama-1.1b.json", "llama"],
    ["mixtral-8x7b-v0.1.json", "mixtral"],
    ["t5-small.json", "t5"],
    ["vit-base-patch16-224.json", "vit"],
  ];
  for (const [file, modelType] of cases) {
    it(`${file}: every field written has the published value`, async () => {
      const { original, exported } = await roundTrip(file);
      expect(exported.modelType).toBe(modelType);
      // BERT-base is published as BertForMaskedLM (the spec, and so the export, is the BertModel
      // under that head) and T5-small under the old name T5WithLMHeadModel.
      const renamed = modelType === "bert" || modelType === "t5";
      const written = Object.keys(exported.config).filter(
        (k) => k in original && !(renamed && k === "architectures"),
      );
      // The sizes that define the model are always among them.
      expect(written.length).toBeGreaterThanOrEqual(8);
      for (const key of written) expect(exported.config[key], key).toEqual(original[key]);
    });
  }

  it("Mistral's spec (bounded within its sliding window) is written as the Llama it equals", async () => {
    const { original, exported } = await roundTrip("mistral-7b-v0.1.json", 4096);
    expect(exported.modelType).toBe("llama");
    for (const key of ["hidden_size", "num_key_value_heads", "intermediate_size", "rope_theta"])
      expect(exported.config[key], key).toEqual(original[key]);
    expect(exported.config["max_position_embeddings"]).toBe(4096);
  });
});

describe("specs no config means", () => {
  it("a sandwich-norm decoder is not GPT-2: E0921 at the first norm GPT-2 lacks", async () => {
    const result = await exportHfConfig(specIr("specs/tiny-sandwich.loom"));
    expect(result.config).toBeUndefined();
    const [d] = result.diagnostics;
    expect(d?.code).toBe("E0921");
    expect(d?.message).toContain(
      "`h.0.rmsnorm` (rmsnorm): it is `rmsnorm` where the config has `layernorm`",
    );
    expect(d?.span.file).toBe("specs/tiny-sandwich.loom");
  });

  it("a mixture of experts with a shared expert is not Mixtral (E0921 names shared_hidden)", async () => {
    const result = await exportHfConfig(specIr("specs/tiny-mixtral.loom"));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["E0921"]);
    expect(result.diagnostics[0]!.message).toContain(
      "`shared_hidden` is 64 where the config gives null",
    );
  });

  it("GPT-2 without the attention scale is refused unless the config can say so", async () => {
    const ir = textIr(`model m {
  dims { vocab = 64, ctx = 16, d = 32, heads = 2, layers = 1 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d) as wte
  x = x + learned_positions(x, ctx)
  repeat layers as h {
    x = x + attention(layernorm(x), heads, causal, scale = 0.5)
    x = x + mlp(layernorm(x), 4 * d, act = gelu_tanh)
  }
  output logits = lm_head(layernorm(x), tied_to = wte)
}`);
    const result = await exportHfConfig(ir);
    expect(result.diagnostics[0]?.message).toContain(
      "its `scale` is 0.5 where the config gives 0.25",
    );
  });

  it("an encoder-decoder with sinusoidal positions is no family the exporter writes (E0920)", async () => {
    const result = await exportHfConfig(specIr("specs/tiny-transformer.loom"));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["E0920"]);
    expect(result.diagnostics[0]!.notes[0]).toContain("2 repeat stacks");
  });

  it("a ViT that mean-pools instead of reading [CLS] is not ViT (E0921 at the positions)", async () => {
    const result = await exportHfConfig(specIr("specs/tiny-vit-mean.loom"));
    expect(result.diagnostics.map((d) => d.code)).toEqual(["E0921"]);
    expect(result.diagnostics[0]!.message).toContain("where the config has `cls_token`");
  });
});
