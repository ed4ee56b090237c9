/**
 * Weights HF → Loom → HF: a checkpoint written by hand in each family's Hugging Face names (the
 * names transformers saves), bound to the spec its config imports as, and exported again, comes
 * back with the same tensor names, shapes and bytes.
 */
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { exportHfConfig } from "../../src/compiler/export/hf/export.ts";
import { importHfConfig } from "../../src/compiler/import/hf/import.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { layoutTensors } from "../../src/formats/weights/export.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { parseSafetensors, writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { seededTensors } from "../weights/helpers.ts";

async function irOf(config: Record<string, unknown>): Promise<TypedIr> {
  const imported = await importHfConfig(JSON.stringify(config), "config.json");
  expect(imported.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return checkSpec("m.loom", () => imported.spec!).models[0]!.ir!;
}

/** Writes the file, binds it, exports it, and compares every tensor's bytes. */
async function expectRoundTrip(config: Record<string, unknown>, entries: [string, number[]][]) {
  const ir = await irOf(config);
  const bytes = writeSafetensors(seededTensors(entries, 7));
  const loaded = loadWeights(ir, "hf.safetensors", bytes);
  expect(loaded.diagnostics).toEqual([]);
  const hf = (await exportHfConfig(ir)).config!;
  const names = new Set(hf.prefixedName ? [hf.prefixedName] : []);
  const out = layoutTensors(ir, hf.layout, loaded.weights!, names, "out.safetensors");
  expect(out.diagnostics).toEqual([]);
  const again = writeSafetensors(out.tensors!);
  const before = parseSafetensors(bytes, "a").file!;
  const after = parseSafetensors(again, "b").file!;
  const tensorsOf = (file: typeof before) =>
    new Map(
      file.header.tensors.map((t) => [
        t.name,
        {
          shape: t.shape,
          bytes: [
            ...file.bytes.subarray(
              file.header.dataStart + t.dataOffsets[0],
              file.header.dataStart + t.dataOffsets[1],
            ),
          ],
        },
      ]),
    );
  expect([...tensorsOf(after).keys()].sort()).toEqual(entries.map((e) => e[0]).sort());
  expect(tensorsOf(after)).toEqual(tensorsOf(before));
}

describe("weights HF → Loom → HF are byte-equal", () => {
  it("GPT-2: Conv1D [in, out] weights, the fused c_attn, under `transformer.`", async () => {
    const d = 8;
    const entries: [string, number[]][] = [
      ["transformer.wte.weight", [16, d]],
      ["transformer.wpe.weight", [8, d]],
    ];
    for (const leaf of ["ln_1", "ln_2"])
      entries.push([`transformer.h.0.${leaf}.weight`, [d]], [`transformer.h.0.${leaf}.bias`, [d]]);
    entries.push(
      ["transformer.h.0.attn.c_attn.weight", [d, 3 * d]],
      ["transformer.h.0.attn.c_attn.bias", [3 * d]],
      ["transformer.h.0.attn.c_proj.weight", [d, d]],
      ["transformer.h.0.attn.c_proj.bias", [d]],
      ["transformer.h.0.mlp.c_fc.weight", [d, 4 * d]],
      ["transformer.h.0.mlp.c_fc.bias", [4 * d]],
      ["transformer.h.0.mlp.c_proj.weight", [4 * d, d]],
      ["transformer.h.0.mlp.c_proj.bias", [d]],
      ["transformer.ln_f.weight", [d]],
      ["transformer.ln_f.bias", [d]],
    );
    await expectRoundTrip(
      { model_type: "gpt2", vocab_size: 16, n_positions: 8, n_embd: d, n_layer: 1, n_head: 2 },
      entries,
    );
  });

  it("Llama: grouped-query k/v, SwiGLU, an untied head, under `model.`", async () => {
    const entries: [string, number[]][] = [
      ["model.embed_tokens.weight", [16, 8]],
      ["model.layers.0.input_layernorm.weight", [8]],
      ["model.layers.0.self_attn.q_proj.weight", [8, 8]],
      ["model.layers.0.self_attn.k_proj.weight", [4, 8]],
      ["model.layers.0.self_attn.v_proj.weight", [4, 8]],
      ["model.layers.0.self_attn.o_proj.weight", [8, 8]],
      ["model.layers.0.post_attention_layernorm.weight", [8]],
      ["model.layers.0.mlp.gate_proj.weight", [12, 8]],
      ["model.layers.0.mlp.up_proj.weight", [12, 8]],
      ["model.layers.0.mlp.down_proj.weight", [8, 12]],
      ["model.norm.weight", [8]],
      ["lm_head.weight", [16, 8]],
    ];
    await expectRoundTrip(
      {
        model_type: "llama",
        vocab_size: 16,
        hidden_size: 8,
        intermediate_size: 12,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        max_position_embeddings: 16,
      },
      entries,
    );
  });

  it("Mixtral: the router and experts w1 (gate), w3 (up), w2 (down)", async () => {
    const entries: [string, number[]][] = [
      ["model.embed_tokens.weight", [16, 8]],
      ["model.layers.0.input_layernorm.weight", [8]],
      ["model.layers.0.self_attn.q_proj.weight", [8, 8]],
      ["model.layers.0.self_attn.k_proj.weight", [8, 8]],
      ["model.layers.0.self_attn.v_proj.weight", [8, 8]],
      ["model.layers.0.self_attn.o_proj.weight", [8, 8]],
      ["model.layers.0.post_attention_layernorm.weight", [8]],
      ["model.layers.0.block_sparse_moe.gate.weight", [2, 8]],
      ["model.norm.weight", [8]],
      ["lm_head.weight", [16, 8]],
    ];
    for (const e of [0, 1])
      entries.push(
        [`model.layers.0.block_sparse_moe.experts.${e}.w1.weight`, [6, 8]],
        [`model.layers.0.block_sparse_moe.experts.${e}.w3.weight`, [6, 8]],
        [`model.layers.0.block_sparse_moe.experts.${e}.w2.weight`, [8, 6]],
      );
    await expectRoundTrip(
      {
        model_type: "mixtral",
        vocab_size: 16,
        hidden_size: 8,
        intermediate_size: 6,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 2,
        max_position_embeddings: 16,
        rms_norm_eps: 1e-5,
        num_local_experts: 2,
        num_experts_per_tok: 1,
      },
      entries,
    );
  });

  it("BERT for sequence classification: embeddings, post-norm layer, pooler under `bert.`, the classifier", async () => {
    const d = 8;
    const l = "bert.encoder.layer.0";
    const entries: [string, number[]][] = [
      ["bert.embeddings.word_embeddings.weight", [20, d]],
      ["bert.embeddings.position_embeddings.weight", [8, d]],
      ["bert.embeddings.token_type_embeddings.weight", [2, d]],
      ["bert.embeddings.LayerNorm.weight", [d]],
      ["bert.embeddings.LayerNorm.bias", [d]],
    ];
    for (const m of ["attention.self.query", "attention.self.key", "attention.self.value"])
      entries.push([`${l}.${m}.weight`, [d, d]], [`${l}.${m}.bias`, [d]]);
    entries.push(
      [`${l}.attention.output.dense.weight`, [d, d]],
      [`${l}.attention.output.dense.bias`, [d]],
      [`${l}.attention.output.LayerNorm.weight`, [d]],
      [`${l}.attention.output.LayerNorm.bias`, [d]],
      [`${l}.intermediate.dense.weight`, [16, d]],
      [`${l}.intermediate.dense.bias`, [16]],
      [`${l}.output.dense.weight`, [d, 16]],
      [`${l}.output.dense.bias`, [d]],
      [`${l}.output.LayerNorm.weight`, [d]],
      [`${l}.output.LayerNorm.bias`, [d]],
      ["bert.pooler.dense.weight", [d, d]],
      ["bert.pooler.dense.bias", [d]],
      ["classifier.weight", [3, d]],
      ["classifier.bias", [3]],
    );
    await expectRoundTrip(
      {
        model_type: "bert",
        architectures: ["BertForSequenceClassification"],
        num_labels: 3,
        vocab_size: 20,
        hidden_size: d,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 8,
      },
      entries,
    );
  });

  it("T5: shared, the encoder's and decoder's sublayers, relative biases on block 0, final norms", async () => {
    const attention = (at: string): [string, number[]][] =>
      ["q", "k", "v", "o"].map((x) => [`${at}.${x}.weight`, [8, 8]]);
    const entries: [string, number[]][] = [
      ["shared.weight", [16, 8]],
      ...attention("encoder.block.0.layer.0.SelfAttention"),
      ["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", [4, 2]],
      ["encoder.block.0.layer.0.layer_norm.weight", [8]],
      ["encoder.block.0.layer.1.DenseReluDense.wi.weight", [12, 8]],
      ["encoder.block.0.layer.1.DenseReluDense.wo.weight", [8, 12]],
      ["encoder.block.0.layer.1.layer_norm.weight", [8]],
      ["encoder.final_layer_norm.weight", [8]],
      ...attention("decoder.block.0.layer.0.SelfAttention"),
      ["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", [4, 2]],
      ["decoder.block.0.layer.0.layer_norm.weight", [8]],
      ...attention("decoder.block.0.layer.1.EncDecAttention"),
      ["decoder.block.0.layer.1.layer_norm.weight", [8]],
      ["decoder.block.0.layer.2.DenseReluDense.wi.weight", [12, 8]],
      ["decoder.block.0.layer.2.DenseReluDense.wo.weight", [8, 12]],
      ["decoder.block.0.layer.2.layer_norm.weight", [8]],
      ["decoder.final_layer_norm.weight", [8]],
    ];
    await expectRoundTrip(
      {
        model_type: "t5",
        vocab_size: 16,
        d_model: 8,
        d_kv: 4,
        d_ff: 12,
        num_layers: 1,
        num_heads: 2,
        relative_attention_num_buckets: 4,
        relative_attention_max_distance: 8,
      },
      entries,
    );
  });

  it("ViT for image classification: patch projection, [CLS], positions [1, n, d], under `vit.`", async () => {
    const d = 8;
    const l = "vit.encoder.layer.0";
    const entries: [string, number[]][] = [
      ["vit.embeddings.patch_embeddings.projection.weight", [d, 1, 2, 2]],
      ["vit.embeddings.patch_embeddings.projection.bias", [d]],
      ["vit.embeddings.cls_token", [1, 1, d]],
      ["vit.embeddings.position_embeddings", [1, 5, d]],
    ];
    for (const m of [
      "layernorm_before",
      "attention.attention.query",
      "attention.attention.key",
      "attention.attention.value",
      "attention.output.dense",
      "layernorm_after",
    ])
      entries.push(
        [`${l}.${m}.weight`, m.startsWith("layernorm") ? [d] : [d, d]],
        [`${l}.${m}.bias`, [d]],
      );
    entries.push(
      [`${l}.intermediate.dense.weight`, [16, d]],
      [`${l}.intermediate.dense.bias`, [16]],
      [`${l}.output.dense.weight`, [d, 16]],
      [`${l}.output.dense.bias`, [d]],
      ["vit.layernorm.weight", [d]],
      ["vit.layernorm.bias", [d]],
      ["classifier.weight", [3, d]],
      ["classifier.bias", [3]],
    );
    await expectRoundTrip(
      {
        model_type: "vit",
        architectures: ["ViTForImageClassification"],
        num_labels: 3,
        image_size: 4,
        patch_size: 2,
        num_channels: 1,
        hidden_size: d,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
      },
      entries,
    );
  });
});
