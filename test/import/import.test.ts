// `loom import` on the published config.json of real checkpoints (test/import/configs/): the
// imported spec checks, is formatted, and `summary` counts exactly the parameters the checkpoint
// has; each config that needs something Loom lacks is refused with a code naming the field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importHuggingFaceConfig } from "../../src/api/import.ts";
import { LoomError } from "../../src/api/errors.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import { formatSpec } from "../../src/compiler/format/format.ts";
import { importHfConfig, type HfImportOptions } from "../../src/compiler/import/hf/import.ts";
import { summarize } from "../../src/compiler/summary/summary.ts";

const CONFIGS = "test/import/configs";
const read = (name: string) => readFileSync(`${CONFIGS}/${name}.json`, "utf8");

/** Imports config text and counts the parameters of the spec it gives. */
async function parameters(text: string, file: string, options: HfImportOptions = {}) {
  const { spec } = await importHuggingFaceConfig(text, file, options);
  const checked = checkSpec("imported.loom", () => spec);
  expect(checked.diagnostics).toEqual([]);
  const formatted = await formatSpec(spec, "imported.loom");
  expect(formatted).toEqual({ ok: true, formatted: spec });
  return summarize(checked.models[0]!.ir!, { batch: 1, seq: 16 }).parameters;
}

/** A config with some fields changed (or, with `undefined`, removed). */
function edited(name: string, changes: Record<string, unknown>): string {
  const config = { ...JSON.parse(read(name)), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete config[key];
  return JSON.stringify(config, null, 2);
}

/** The diagnostics of a failed import: code, the config line it points at, and the message. */
async function refusal(text: string, file = "config.json", options: HfImportOptions = {}) {
  const result = await importHfConfig(text, file, options);
  expect(result.spec).toBeUndefined();
  return result.diagnostics.map((d) => ({
    code: d.code,
    line: result.sources.position(d.span).line,
    message: d.message,
  }));
}

/**
 * Published parameter counts (sum(p.numel()) of the Hugging Face model, a tied table once):
 * GPT-2 small, BERT-base (BertModel with the pooler), T5-small, ViT-B/16, Llama 2 7B, Llama 3 8B,
 * Mistral 7B v0.1 and Mixtral 8x7B as cited in test/summary/published.test.ts. TinyLlama 1.1B
 * (TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T), by hand: embed_tokens and lm_head
 * 2 × 32000 × 2048 = 131,072,000; a layer has q and o 2 × 2048² = 8,388,608, k and v
 * 2 × 2048 × 256 (4 kv heads of 64) = 1,048,576, the MLP 3 × 2048 × 5632 = 34,603,008 and two
 * norms 4,096, together 44,044,288; 22 layers 968,974,336; the final norm 2,048; total
 * 1,100,048,384.
 */
const PUBLISHED: [config: string, parameters: number, options?: HfImportOptions][] = [
  ["gpt2", 124_439_808],
  ["bert-base-uncased", 109_482_240],
  ["t5-small", 60_506_624],
  ["vit-base-patch16-224", 86_567_656],
  ["llama-2-7b", 6_738_415_616],
  ["meta-llama-3-8b", 8_030_261_248],
  ["tinyllama-1.1b", 1_100_048_384],
  // The sliding window (4096) changes nothing up to 4096 positions, so that import is exact.
  ["mistral-7b-v0.1", 7_241_732_096, { context: 4096 }],
  ["mixtral-8x7b-v0.1", 46_702_792_704],
];

describe("imported real configs count the checkpoint's parameters", () => {
  for (const [name, published, options] of PUBLISHED) {
    it(`${name}: ${published.toLocaleString("en-US")}`, async () => {
      expect(await parameters(read(name), `${name}.json`, options)).toBe(published);
    });
  }

  // Rotating a fraction of each head changes no weight: with the fraction set to 1 the rest of
  // the import is checked against counts derived by hand.
  it("GPT-NeoX (Pythia-160M's layout, full rotary): 162,322,944", async () => {
    // embed_in and embed_out 2 × 50304 × 768 = 77,266,944; a layer has two LayerNorms 3,072,
    // query_key_value 768 × 2304 + 2304 = 1,771,776, dense 768² + 768 = 590,592, the MLP
    // 768 × 3072 + 3072 + 3072 × 768 + 768 = 4,722,432, together 7,087,872; 12 layers
    // 85,054,464; final LayerNorm 1,536. Pythia's paper (Biderman et al. 2023) lists 162,322,944.
    const text = edited("pythia-160m", { rotary_pct: 1 });
    expect(await parameters(text, "pythia-160m.json")).toBe(162_322_944);
  });

  it("Phi (phi-2's layout, full rotary): 2,779,683,840", async () => {
    // embed_tokens 51200 × 2560 = 131,072,000 and lm_head the same + a bias of 51,200; a layer
    // has one LayerNorm 5,120, q, k, v and dense 4 × (2560² + 2560) = 26,224,640, fc1
    // 2560 × 10240 + 10240 = 26,224,640 and fc2 10240 × 2560 + 2560 = 26,216,960, together
    // 78,671,360; 32 layers 2,517,483,520; final LayerNorm 5,120.
    const text = edited("phi-2", { partial_rotary_factor: 1 });
    expect(await parameters(text, "phi-2.json")).toBe(2_779_683_840);
  });

  // The head follows `architectures`: by hand from the counts above, BERT-base with the
  // classifier of BertForSequenceClassification (2 labels) adds 768 × 2 + 2 = 1,538; ViT-B/16 as
  // ViTModel drops the classifier (768 × 1000 + 1000 = 769,000) and adds the pooler
  // (768² + 768 = 590,592): 86,567,656 − 769,000 + 590,592 = 86,389,248.
  it("BertForSequenceClassification: 109,483,778; ViTModel: 86,389,248", async () => {
    const classifier = edited("bert-base-uncased", {
      architectures: ["BertForSequenceClassification"],
      id2label: { "0": "NEGATIVE", "1": "POSITIVE" },
      label2id: { NEGATIVE: 0, POSITIVE: 1 },
    });
    expect(await parameters(classifier, "sst2.json")).toBe(109_483_778);
    const body = edited("vit-base-patch16-224", { architectures: ["ViTModel"] });
    expect(await parameters(body, "vit.json")).toBe(86_389_248);
  });

  it("--context bounds the sequence and keeps a learned position table whole", async () => {
    expect(await parameters(read("gpt2"), "gpt2.json", { context: 128 })).toBe(124_439_808);
    const { spec } = await importHuggingFaceConfig(read("gpt2"), "gpt2.json", { context: 128 });
    expect(spec).toContain("dims { max_seq = 128 }");
    expect(spec).toContain("input tokens: int[batch, seq <= max_seq]");
  });

  it("names the model after the config file, or as asked", async () => {
    const { spec } = await importHuggingFaceConfig(read("gpt2"), "gpt2-small.json");
    expect(spec).toMatch(/^model gpt2_small \{/m);
    const named = await importHuggingFaceConfig(read("gpt2"), "config.json", { name: "mine" });
    expect(named.spec).toMatch(/^model mine \{/m);
    const plain = await importHuggingFaceConfig(read("gpt2"), "config.json");
    expect(plain.spec).toMatch(/^model gpt2 \{/m);
    await expect(
      importHuggingFaceConfig(read("gpt2"), "config.json", { name: "2nd" }),
    ).rejects.toThrow(/not a spec identifier/);
  });
});

describe("configs that need what Loom lacks are refused by field", () => {
  const cases: [config: string, field: string, line: number, options?: HfImportOptions][] = [
    ["meta-llama-3.1-8b", "rope_scaling", 19],
    ["mistral-7b-v0.1", "sliding_window", 16],
    ["qwen2-0.5b", "model_type", 12],
    ["roberta-base", "model_type", 13],
    ["pythia-160m", "rotary_pct", 15],
    ["phi-2", "partial_rotary_factor", 17],
  ];
  for (const [name, field, line] of cases) {
    it(`${name}: E0905 at \`${field}\``, async () => {
      const found = await refusal(read(name), `${name}.json`);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ code: "E0905", line });
      expect(found[0]!.message).toContain(`\`${field}\` = `);
    });
  }

  it("a sliding window the --context bound stays within is accepted, a longer bound is not", async () => {
    const window = await refusal(read("mistral-7b-v0.1"), "m.json", { context: 4097 });
    expect(window.map((d) => d.code)).toEqual(["E0905"]);
    const tooLong = await refusal(read("llama-2-7b"), "l.json", { context: 8192 });
    expect(tooLong).toMatchObject([{ code: "E0904", message: expect.stringContaining("4096") }]);
  });

  it("T5 v1.1's gated-gelu (a tanh-GELU gate) and ViT without q/k/v biases", async () => {
    const gated = await refusal(edited("t5-small", { feed_forward_proj: "gated-gelu" }));
    expect(gated).toMatchObject([{ code: "E0905", message: expect.stringContaining("gelu_new") }]);
    const vit = await refusal(edited("vit-base-patch16-224", { qkv_bias: false }));
    expect(vit).toMatchObject([{ code: "E0905" }]);
  });

  it("an unsupported activation names the field and value", async () => {
    const found = await refusal(edited("gpt2", { activation_function: "quick_gelu" }));
    expect(found).toMatchObject([
      { code: "E0905", message: expect.stringContaining('`activation_function` = "quick_gelu"') },
    ]);
  });
});

describe("malformed or unknown configs are coded errors", () => {
  it("E0903 for a field the importer does not know, at its key", async () => {
    const text = read("gpt2").replace('"n_head": 12,', '"n_head": 12,\n  "alibi": true,');
    const found = await refusal(text);
    expect(found).toEqual([
      { code: "E0903", line: 14, message: "unknown field `alibi` in a gpt2 config" },
    ]);
  });

  it("E0902 for an unknown or missing model_type", async () => {
    expect(await refusal(edited("gpt2", { model_type: "bloom" }))).toMatchObject([
      { code: "E0902", message: expect.stringContaining('"bloom"') },
    ]);
    expect(await refusal(edited("gpt2", { model_type: undefined }))).toMatchObject([
      { code: "E0902", message: "the config has no `model_type`" },
    ]);
  });

  it("E0901 for text that is not a JSON object", async () => {
    expect(await refusal('{ "model_type": "gpt2", }')).toMatchObject([{ code: "E0901" }]);
    expect(await refusal("[1, 2]")).toMatchObject([
      { code: "E0901", message: "the config is not a JSON object" },
    ]);
  });

  it("E0904 for a value of the wrong type or range, E0906 for a size a variant must state", async () => {
    expect(await refusal(edited("gpt2", { n_layer: 0 }))).toMatchObject([
      { code: "E0904", message: "`n_layer` must be a positive integer, found 0" },
    ]);
    expect(await refusal(edited("bert-base-uncased", { is_decoder: "no" }))).toMatchObject([
      { code: "E0904", message: '`is_decoder` must be true or false, found "no"' },
    ]);
    // MistralConfig's sizes differ from LlamaConfig's, so a Mistral config must state them.
    const noFfn = edited("mistral-7b-v0.1", { intermediate_size: undefined });
    expect(await refusal(noFfn, "config.json", { context: 4096 })).toEqual([
      { code: "E0906", line: 1, message: "the config has no `intermediate_size`" },
    ]);
  });

  it("throws a LoomError carrying the diagnostics through the API", async () => {
    const failure = importHuggingFaceConfig(read("qwen2-0.5b"), "qwen2.json");
    await expect(failure).rejects.toBeInstanceOf(LoomError);
    await expect(failure).rejects.toMatchObject({ diagnostics: [{ code: "E0905" }] });
  });
});
