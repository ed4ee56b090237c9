import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { summarize } from "../../src/compiler/summary/summary.ts";

/**
 * Published parameter counts of the real models in specs/. Each is the count of the reference
 * implementation's checkpoint (`sum(p.numel() for p in model.parameters())` in Hugging Face
 * transformers, which counts a tied table once):
 * - gpt2-small 124,439,808 and gpt2-medium 354,823,168: GPT2LMHeadModel `gpt2`, `gpt2-medium`
 *   (Radford et al. 2019).
 * - bert-base-uncased 109,482,240: BertModel with pooler (Devlin et al. 2019).
 * - t5-small 60,506,624: T5ForConditionalGeneration `t5-small` (Raffel et al. 2020).
 * - vit-base-patch16-224 86,567,656: ViTForImageClassification `google/vit-base-patch16-224`
 *   (Dosovitskiy et al. 2021).
 * - llama2-7b 6,738,415,616: `meta-llama/Llama-2-7b-hf` (Touvron et al. 2023).
 * - mistral-7b 7,241,732,096: `mistralai/Mistral-7B-v0.1` (Jiang et al. 2023).
 * - mixtral-8x7b 46,702,792,704: `mistralai/Mixtral-8x7B-v0.1` (Jiang et al. 2024).
 * - llama3-8b 8,030,261,248: `meta-llama/Meta-Llama-3-8B` (Llama Team, AI @ Meta 2024).
 * - transformer-base: the paper (Vaswani et al. 2017, Table 3) says only "65M"; the exact
 *   63,082,496 is derived by hand in the header of specs/transformer-base.loom.
 */
const PUBLISHED: Record<string, number> = {
  "gpt2-small": 124_439_808,
  "gpt2-medium": 354_823_168,
  "bert-base-uncased": 109_482_240,
  "t5-small": 60_506_624,
  "vit-base-patch16-224": 86_567_656,
  "llama2-7b": 6_738_415_616,
  "mistral-7b": 7_241_732_096,
  "mixtral-8x7b": 46_702_792_704,
  "llama3-8b": 8_030_261_248,
  "transformer-base": 63_082_496,
};

function load(name: string) {
  const result = checkSpec(`specs/${name}.loom`, (p) => readFileSync(p, "utf8"));
  expect(result.diagnostics).toEqual([]);
  expect(result.models).toHaveLength(1);
  const ir = result.models[0]!.ir;
  if (!ir) throw new Error(`specs/${name}.loom did not check`);
  return ir;
}

describe("published parameter counts", () => {
  for (const [name, published] of Object.entries(PUBLISHED)) {
    it(`${name}: ${published.toLocaleString("en-US")}`, () => {
      const summary = summarize(load(name), { batch: 1, seq: 128 });
      expect(summary.parameters).toBe(published);
      expect(Number.isInteger(summary.parameters)).toBe(true);
      const byCategory = Object.values(summary.components.byCategory).reduce((a, b) => a + b, 0);
      const byScope = Object.values(summary.components.byScope).reduce((a, b) => a + b, 0);
      expect(byCategory).toBe(published);
      expect(byScope).toBe(published);
      expect(summary.weightBytes).toEqual({ f32: 4 * published, f16: 2 * published });
    });
  }

  it("splits GPT-2 small by component", () => {
    const { components } = summarize(load("gpt2-small"), { batch: 1, seq: 1024 });
    expect(components.byCategory).toEqual({
      embeddings: 50257 * 768 + 1024 * 768, // wte + wpe = 39,383,808
      attention: 12 * 4 * (768 * 768 + 768), // 28,348,416
      mlp: 12 * (768 * 3072 + 3072 + 3072 * 768 + 768), // 56,669,184
      norms: (2 * 12 + 1) * 2 * 768, // 38,400
      heads: 0, // tied to wte
    });
    expect(components.byScope).toEqual({
      "(top level)": 50257 * 768 + 1024 * 768 + 2 * 768, // wte, wpe, ln_f
      h: 12 * 7_087_872,
    });
  });

  it("gives GPT-2 small's FLOPs per token at 1024 positions", () => {
    // 2 × (non-embedding matmul weights) + LM head + attention mixing:
    //   12 × 2 × (4 × 768² + 2 × 768 × 3072) = 169,869,312
    //   2 × 768 × 50257                       =  77,194,752
    //   12 × 2 × 2 × 1024 × 768               =  37,748,736
    const { flopsPerToken } = summarize(load("gpt2-small"), { batch: 1, seq: 1024 });
    expect(flopsPerToken).toBe(169_869_312 + 77_194_752 + 37_748_736);
  });

  it("sizes Llama 2 7B's KV cache at 4096 positions", () => {
    // 32 layers × K and V × 4096 positions × 32 heads × 128 head_dim × 4 bytes = 2 GiB.
    const { kvCacheBytes } = summarize(load("llama2-7b"), { batch: 1, seq: 4096 });
    expect(kvCacheBytes).toBe(32 * 2 * 4096 * 32 * 128 * 4);
  });
});
