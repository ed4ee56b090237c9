/**
 * The Hugging Face name maps, checked value by value: for a tiny model of each family, a fake
 * checkpoint is written under the Hugging Face names and shapes (listed here by hand, from the
 * transformers modelling code), filled with seeded values; loading it must give each Loom weight
 * exactly the Hugging Face tensor, transposed or split as the layout says.
 */
import { describe, expect, it } from "vitest";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { declaredWeights } from "../../src/formats/weights/declared.ts";
import { layoutMap, type Layout } from "../../src/formats/weights/layouts/index.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import {
  codes,
  expectWellFormed,
  f32Bytes,
  rawFile,
  seededTensors,
  specIr,
  textIr,
  type RawTensor,
} from "./helpers.ts";

const PATH = "hf/model.safetensors";

/** How a Loom weight is made from the Hugging Face tensor. */
type How =
  | "copy"
  | "T" // a 2-D transpose
  | { cols: [number, number] } // [in, total] fused Conv1D: columns [start, start + n), transposed
  | { slice: [number, number] }; // a fused bias: entries [start, start + n)

type Row = [loom: string, hf: string, how?: How];

function expected(hf: Tensor, how: How, shape: number[]): Float64Array {
  if (how === "copy") return hf.data;
  if (how === "T") {
    const [rows, cols] = hf.shape as [number, number];
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[c * rows + r] = hf.data[r * cols + c]!;
    return out;
  }
  if ("cols" in how) {
    const [start, n] = how.cols;
    const [inputs, total] = hf.shape as [number, number];
    expect(shape).toEqual([n, inputs]);
    const out = new Float64Array(n * inputs);
    for (let o = 0; o < n; o++)
      for (let i = 0; i < inputs; i++) out[o * inputs + i] = hf.data[i * total + start + o]!;
    return out;
  }
  const [start, n] = how.slice;
  return hf.data.slice(start, start + n);
}

/** Writes the HF tensors (plus raw extras), loads them, and checks every row value by value. */
function expectBinding(
  ir: TypedIr,
  hf: Map<string, Tensor>,
  rows: Row[],
  layout: Layout,
  opts: { extras?: RawTensor[]; warnings?: string[] } = {},
) {
  const raw: RawTensor[] = [...hf].map(([name, t]) => ({
    name,
    dtype: "F32",
    shape: t.shape,
    bytes: f32Bytes([...t.data]),
  }));
  const bytes = rawFile([...raw, ...(opts.extras ?? [])]);
  const loaded = loadWeights(ir, PATH, bytes);
  expectWellFormed(loaded.diagnostics, PATH);
  expect(loaded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(opts.warnings ?? []);
  expect(loaded.layout).toBe(layout);
  const weights = loaded.weights!;
  // The table covers every declared weight, each once.
  const declared = declaredWeights(ir);
  expect(rows.map((r) => r[0]).sort()).toEqual(declared.map((w) => w.name).sort());
  expect([...weights.keys()].sort()).toEqual(declared.map((w) => w.name).sort());
  for (const [loom, name, how = "copy"] of rows) {
    const source = hf.get(name);
    expect(source, `${name} is in the fake checkpoint`).toBeDefined();
    const got = weights.get(loom)!;
    const shape = declared.find((w) => w.name === loom)!.shape;
    expect(got.shape, loom).toEqual(shape);
    expect(got.data, `${loom} ← ${name}`).toEqual(expected(source!, how, shape));
  }
  return loaded;
}

/** Seeded HF tensors from [name, shape] rows. */
const fake = (entries: [string, number[]][]) => seededTensors(entries, 3);

// ---------------------------------------------------------------------------------------------
// GPT-2

interface Gpt2Names {
  wte: string;
  wpe: string;
  layer: (i: number) => { ln1: string; attn: string; ln2: string; mlp: string };
  lnf: string;
}

function gpt2Case(
  names: Gpt2Names,
  dims: { vocab: number; ctx: number; d: number; layers: number },
  prefix = "",
) {
  const { vocab, ctx, d, layers } = dims;
  const entries: [string, number[]][] = [
    [`${prefix}wte.weight`, [vocab, d]],
    [`${prefix}wpe.weight`, [ctx, d]],
  ];
  const rows: Row[] = [
    [`${names.wte}.weight`, `${prefix}wte.weight`],
    [`${names.wpe}.weight`, `${prefix}wpe.weight`],
  ];
  for (let i = 0; i < layers; i++) {
    const h = `${prefix}h.${i}`;
    const l = names.layer(i);
    entries.push(
      [`${h}.ln_1.weight`, [d]],
      [`${h}.ln_1.bias`, [d]],
      [`${h}.attn.c_attn.weight`, [d, 3 * d]], // Conv1D: [in, out]
      [`${h}.attn.c_attn.bias`, [3 * d]],
      [`${h}.attn.c_proj.weight`, [d, d]],
      [`${h}.attn.c_proj.bias`, [d]],
      [`${h}.ln_2.weight`, [d]],
      [`${h}.ln_2.bias`, [d]],
      [`${h}.mlp.c_fc.weight`, [d, 4 * d]],
      [`${h}.mlp.c_fc.bias`, [4 * d]],
      [`${h}.mlp.c_proj.weight`, [4 * d, d]],
      [`${h}.mlp.c_proj.bias`, [d]],
    );
    rows.push(
      [`${l.ln1}.weight`, `${h}.ln_1.weight`],
      [`${l.ln1}.bias`, `${h}.ln_1.bias`],
      [`${l.attn}.q.weight`, `${h}.attn.c_attn.weight`, { cols: [0, d] }],
      [`${l.attn}.k.weight`, `${h}.attn.c_attn.weight`, { cols: [d, d] }],
      [`${l.attn}.v.weight`, `${h}.attn.c_attn.weight`, { cols: [2 * d, d] }],
      [`${l.attn}.q.bias`, `${h}.attn.c_attn.bias`, { slice: [0, d] }],
      [`${l.attn}.k.bias`, `${h}.attn.c_attn.bias`, { slice: [d, d] }],
      [`${l.attn}.v.bias`, `${h}.attn.c_attn.bias`, { slice: [2 * d, d] }],
      [`${l.attn}.o.weight`, `${h}.attn.c_proj.weight`, "T"],
      [`${l.attn}.o.bias`, `${h}.attn.c_proj.bias`],
      [`${l.ln2}.weight`, `${h}.ln_2.weight`],
      [`${l.ln2}.bias`, `${h}.ln_2.bias`],
      [`${l.mlp}.up.weight`, `${h}.mlp.c_fc.weight`, "T"],
      [`${l.mlp}.up.bias`, `${h}.mlp.c_fc.bias`],
      [`${l.mlp}.down.weight`, `${h}.mlp.c_proj.weight`, "T"],
      [`${l.mlp}.down.bias`, `${h}.mlp.c_proj.bias`],
    );
  }
  entries.push([`${prefix}ln_f.weight`, [d]], [`${prefix}ln_f.bias`, [d]]);
  rows.push(
    [`${names.lnf}.weight`, `${prefix}ln_f.weight`],
    [`${names.lnf}.bias`, `${prefix}ln_f.bias`],
  );
  return { hf: fake(entries), rows };
}

const TINY_GPT_NAMES: Gpt2Names = {
  wte: "wte",
  wpe: "learned_positions",
  layer: (i) => ({
    ln1: `h.${i}.layernorm`,
    attn: `h.${i}.attention`,
    ln2: `h.${i}.layernorm_1`,
    mlp: `h.${i}.mlp`,
  }),
  lnf: "layernorm",
};
const TINY_GPT_DIMS = { vocab: 256, ctx: 64, d: 64, layers: 2 };

describe("hf-gpt2", () => {
  const ir = specIr("specs/tiny-gpt.loom");

  it("maps every weight of tiny-gpt: Conv1D transposed, c_attn split into q, k, v", () => {
    const { hf, rows } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    expectBinding(ir, hf, rows, "hf-gpt2");
  });

  it("reads the `transformer.` prefix, ignores mask buffers and an lm_head equal to wte", () => {
    const { hf, rows } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS, "transformer.");
    const wte = hf.get("transformer.wte.weight")!;
    const mask = {
      name: "transformer.h.0.attn.bias",
      dtype: "F32",
      shape: [1, 1, 4, 4],
      bytes: f32Bytes(new Array(16).fill(1)),
    };
    const head = {
      name: "lm_head.weight",
      dtype: "F32",
      shape: wte.shape,
      bytes: f32Bytes([...wte.data]),
    };
    expectBinding(ir, hf, rows, "hf-gpt2", { extras: [mask, head] });
  });

  it("warns when lm_head differs from the embedding the spec ties it to", () => {
    const { hf, rows } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    const head = {
      name: "lm_head.weight",
      dtype: "F32",
      shape: [256, 64],
      bytes: f32Bytes(new Array(256 * 64).fill(0.5)),
    };
    expectBinding(ir, hf, rows, "hf-gpt2", {
      extras: [head],
      warnings: [
        "W0507 tensor `lm_head.weight` [256, 64] differs from `wte.weight`, which the spec ties it to; it is ignored",
      ],
    });
  });

  it("maps by structure: a spec that names its scopes and layers differently loads the same file", () => {
    const renamed = textIr(`
      block gpt_block(x, heads) {
        x = x + attention(layernorm(x), heads, causal)
        x = x + mlp(layernorm(x), 256, act = gelu_tanh)
        return x
      }
      model renamed_gpt {
        dims { vocab = 256, ctx = 64, d = 64, heads = 4, layers = 2 }
        input tokens: int[batch, seq <= ctx]
        x = embed(tokens, vocab, d) as token_table
        x = x + learned_positions(x, ctx) as position_table
        repeat layers as blocks {
          x = gpt_block(x, heads)
        }
        output logits = lm_head(layernorm(x) as final_norm, tied_to = token_table)
      }
    `);
    const names: Gpt2Names = {
      wte: "token_table",
      wpe: "position_table",
      layer: (i) => ({
        ln1: `blocks.${i}.gpt_block.layernorm`,
        attn: `blocks.${i}.gpt_block.attention`,
        ln2: `blocks.${i}.gpt_block.layernorm_1`,
        mlp: `blocks.${i}.gpt_block.mlp`,
      }),
      lnf: "final_norm",
    };
    const { hf, rows } = gpt2Case(names, TINY_GPT_DIMS);
    expectBinding(renamed, hf, rows, "hf-gpt2");
  });

  it("the loaded weights run in the reference executor", () => {
    const { hf, rows } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    const { weights } = expectBinding(ir, hf, rows, "hf-gpt2");
    const out = new ReferenceExecutor(ir, weights!).run({
      tokens: { shape: [1, 3], data: Float64Array.from([1, 2, 3]) },
    });
    expect(out["logits"]!.shape).toEqual([1, 3, 256]);
    expect(out["logits"]!.data.every(Number.isFinite)).toBe(true);
  });

  it("a missing tensor names the Hugging Face and the Loom weight (E0505)", () => {
    const { hf } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    hf.delete("h.1.ln_2.weight");
    const loaded = loadWeights(ir, PATH, writeSafetensors(hf));
    expect(loaded.weights).toBeUndefined();
    expect(codes(loaded.diagnostics)).toEqual(["E0505"]);
    const d = loaded.diagnostics[0]!;
    expect(d.message).toBe(
      "missing weight: expected a tensor `h.1.ln_2.weight` [64] for `h.1.layernorm_1.weight`, found none",
    );
    expect(d.notes.join("\n")).toMatch(/declared by `layernorm` at specs\/tiny-gpt.loom:\d+:\d+/);
    expect(d.notes.join("\n")).toMatch(
      /layout hf-gpt2 \(detected from the tensor `h.0.attn.c_attn.weight`\)/,
    );
  });

  it("a fused tensor of the wrong shape is reported once, for q, k and v (E0506)", () => {
    const { hf } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    hf.set("h.0.attn.c_attn.weight", { shape: [64, 190], data: new Float64Array(64 * 190) });
    const loaded = loadWeights(ir, PATH, writeSafetensors(hf));
    expect(codes(loaded.diagnostics)).toEqual(["E0506"]);
    expect(loaded.diagnostics[0]!.message).toBe(
      "weight shape mismatch: tensor `h.0.attn.c_attn.weight` (for `h.0.attention.q.weight`, `h.0.attention.k.weight`, `h.0.attention.v.weight`) should be [64, 192], found [64, 190]",
    );
    expect(loaded.diagnostics[0]!.notes[0]).toMatch(
      /columns \[0, 64\) of the fused q\|k\|v weight \[in, 192\], transposed/,
    );
  });

  it("NaN or infinity in a weight is an error naming the tensor (E0509)", () => {
    const { hf } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    const wpe = hf.get("wpe.weight")!;
    wpe.data[5] = NaN;
    wpe.data[9] = Infinity;
    const loaded = loadWeights(ir, PATH, writeSafetensors(hf));
    expect(codes(loaded.diagnostics)).toEqual(["E0509"]);
    expect(loaded.diagnostics[0]!.message).toBe(
      "tensor `wpe.weight` (for `learned_positions.weight`) has 2 non-finite values: expected finite numbers, found NaN at index 5",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// BERT

describe("hf-bert", () => {
  it("maps every weight of tiny-bert, with the `bert.` prefix and gamma/beta LayerNorm names", () => {
    const ir = specIr("specs/tiny-bert.loom");
    const [vocab, ctx, d, ffn, layers] = [512, 128, 64, 128, 2];
    const p = "bert.";
    const entries: [string, number[]][] = [
      [`${p}embeddings.word_embeddings.weight`, [vocab, d]],
      [`${p}embeddings.position_embeddings.weight`, [ctx, d]],
      [`${p}embeddings.token_type_embeddings.weight`, [2, d]],
      [`${p}embeddings.LayerNorm.gamma`, [d]],
      [`${p}embeddings.LayerNorm.beta`, [d]],
    ];
    const rows: Row[] = [
      ["word_embeddings.weight", `${p}embeddings.word_embeddings.weight`],
      ["learned_positions.weight", `${p}embeddings.position_embeddings.weight`],
      ["token_type_embeddings.weight", `${p}embeddings.token_type_embeddings.weight`],
      ["layernorm.weight", `${p}embeddings.LayerNorm.gamma`],
      ["layernorm.bias", `${p}embeddings.LayerNorm.beta`],
    ];
    for (let i = 0; i < layers; i++) {
      const l = `${p}encoder.layer.${i}`;
      const linear = (hf: string, out: number, inp: number, loom: string) => {
        entries.push([`${hf}.weight`, [out, inp]], [`${hf}.bias`, [out]]);
        rows.push([`${loom}.weight`, `${hf}.weight`], [`${loom}.bias`, `${hf}.bias`]);
      };
      linear(`${l}.attention.self.query`, d, d, `layer.${i}.attention.q`);
      linear(`${l}.attention.self.key`, d, d, `layer.${i}.attention.k`);
      linear(`${l}.attention.self.value`, d, d, `layer.${i}.attention.v`);
      linear(`${l}.attention.output.dense`, d, d, `layer.${i}.attention.o`);
      entries.push(
        [`${l}.attention.output.LayerNorm.weight`, [d]],
        [`${l}.attention.output.LayerNorm.bias`, [d]],
      );
      rows.push(
        [`layer.${i}.layernorm.weight`, `${l}.attention.output.LayerNorm.weight`],
        [`layer.${i}.layernorm.bias`, `${l}.attention.output.LayerNorm.bias`],
      );
      linear(`${l}.intermediate.dense`, ffn, d, `layer.${i}.mlp.up`);
      linear(`${l}.output.dense`, d, ffn, `layer.${i}.mlp.down`);
      entries.push([`${l}.output.LayerNorm.weight`, [d]], [`${l}.output.LayerNorm.bias`, [d]]);
      rows.push(
        [`layer.${i}.layernorm_1.weight`, `${l}.output.LayerNorm.weight`],
        [`layer.${i}.layernorm_1.bias`, `${l}.output.LayerNorm.bias`],
      );
    }
    entries.push([`${p}pooler.dense.weight`, [d, d]], [`${p}pooler.dense.bias`, [d]]);
    rows.push(
      ["pooler.dense.weight", `${p}pooler.dense.weight`],
      ["pooler.dense.bias", `${p}pooler.dense.bias`],
    );
    // An int64 buffer (ignored) and a pre-training head the spec lacks (a warning).
    const positionIds = {
      name: `${p}embeddings.position_ids`,
      dtype: "I64",
      shape: [1, ctx],
      bytes: new Uint8Array(8 * ctx),
    };
    const head = {
      name: "cls.predictions.bias",
      dtype: "F32",
      shape: [vocab],
      bytes: f32Bytes(new Array(vocab).fill(0)),
    };
    expectBinding(ir, fake(entries), rows, "hf-bert", {
      extras: [positionIds, head],
      warnings: [
        "W0507 unexpected tensor `cls.predictions.bias` F32[512]: the spec has no weight for it; it is ignored",
      ],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// T5

describe("hf-t5", () => {
  it("maps every weight of tiny-t5: shared, layer.k sublayers, relative bias on block 0, final norms", () => {
    const ir = specIr("specs/tiny-t5.loom");
    const [vocab, d, ffn, layers, buckets, heads] = [128, 32, 64, 2, 8, 4];
    const entries: [string, number[]][] = [["shared.weight", [vocab, d]]];
    const rows: Row[] = [["shared.weight", "shared.weight"]];
    const attention = (hf: string, loom: string) => {
      for (const x of ["q", "k", "v", "o"]) {
        entries.push([`${hf}.${x}.weight`, [d, d]]);
        rows.push([`${loom}.${x}.weight`, `${hf}.${x}.weight`]);
      }
    };
    const norm = (hf: string, loom: string) => {
      entries.push([`${hf}.weight`, [d]]);
      rows.push([`${loom}.weight`, `${hf}.weight`]);
    };
    const ffnOf = (hf: string, loom: string) => {
      entries.push([`${hf}.wi.weight`, [ffn, d]], [`${hf}.wo.weight`, [d, ffn]]);
      rows.push(
        [`${loom}.up.weight`, `${hf}.wi.weight`],
        [`${loom}.down.weight`, `${hf}.wo.weight`],
      );
    };
    for (let i = 0; i < layers; i++) {
      const e = `encoder.block.${i}`;
      const le = `encoder.${i}.t5_encoder_layer`;
      norm(`${e}.layer.0.layer_norm`, `${le}.rmsnorm`);
      attention(`${e}.layer.0.SelfAttention`, `${le}.attention`);
      norm(`${e}.layer.1.layer_norm`, `${le}.rmsnorm_1`);
      ffnOf(`${e}.layer.1.DenseReluDense`, `${le}.mlp`);
      const dd = `decoder.block.${i}`;
      const ld = `decoder.${i}.t5_decoder_layer`;
      norm(`${dd}.layer.0.layer_norm`, `${ld}.rmsnorm`);
      attention(`${dd}.layer.0.SelfAttention`, `${ld}.attention`);
      norm(`${dd}.layer.1.layer_norm`, `${ld}.rmsnorm_1`);
      attention(`${dd}.layer.1.EncDecAttention`, `${ld}.cross_attention`);
      norm(`${dd}.layer.2.layer_norm`, `${ld}.rmsnorm_2`);
      ffnOf(`${dd}.layer.2.DenseReluDense`, `${ld}.mlp`);
    }
    for (const [stack, loom] of [
      ["encoder", "relative_position_bias"],
      ["decoder", "relative_position_bias_1"],
    ]) {
      const name = `${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`;
      entries.push([name, [buckets, heads]]);
      rows.push([`${loom}.weight`, name]);
    }
    norm("encoder.final_layer_norm", "rmsnorm");
    norm("decoder.final_layer_norm", "rmsnorm_1");
    const hf = fake(entries);
    const shared = hf.get("shared.weight")!;
    const copy = (name: string) => ({
      name,
      dtype: "F32",
      shape: shared.shape,
      bytes: f32Bytes([...shared.data]),
    });
    expectBinding(ir, hf, rows, "hf-t5", {
      extras: [
        copy("encoder.embed_tokens.weight"),
        copy("decoder.embed_tokens.weight"),
        copy("lm_head.weight"),
      ],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// ViT

function vitCase(withCls: boolean) {
  const [d, mlp, layers, classes, patch, positions] = [48, 96, 2, 10, 7, withCls ? 17 : 16];
  const p = "vit.";
  const entries: [string, number[]][] = [
    [`${p}embeddings.patch_embeddings.projection.weight`, [d, 1, patch, patch]],
    [`${p}embeddings.patch_embeddings.projection.bias`, [d]],
    [`${p}embeddings.position_embeddings`, [1, positions, d]],
  ];
  const rows: Row[] = [
    ["patch_embed.weight", `${p}embeddings.patch_embeddings.projection.weight`],
    ["patch_embed.bias", `${p}embeddings.patch_embeddings.projection.bias`],
    ["learned_positions.weight", `${p}embeddings.position_embeddings`],
  ];
  if (withCls) {
    entries.push([`${p}embeddings.cls_token`, [1, 1, d]]);
    rows.push(["cls_token.weight", `${p}embeddings.cls_token`]);
  }
  const module = (hf: string, loom: string, shape: number[]) => {
    entries.push([`${hf}.weight`, shape], [`${hf}.bias`, [shape[0]!]]);
    rows.push([`${loom}.weight`, `${hf}.weight`], [`${loom}.bias`, `${hf}.bias`]);
  };
  for (let i = 0; i < layers; i++) {
    const l = `${p}encoder.layer.${i}`;
    const o = `encoder.${i}`;
    module(`${l}.layernorm_before`, `${o}.layernorm`, [d]);
    module(`${l}.attention.attention.query`, `${o}.attention.q`, [d, d]);
    module(`${l}.attention.attention.key`, `${o}.attention.k`, [d, d]);
    module(`${l}.attention.attention.value`, `${o}.attention.v`, [d, d]);
    module(`${l}.attention.output.dense`, `${o}.attention.o`, [d, d]);
    module(`${l}.layernorm_after`, `${o}.layernorm_1`, [d]);
    module(`${l}.intermediate.dense`, `${o}.mlp.up`, [mlp, d]);
    module(`${l}.output.dense`, `${o}.mlp.down`, [d, mlp]);
  }
  module(`${p}layernorm`, "layernorm", [d]);
  module("classifier", "classifier", [classes, d]);
  return { hf: fake(entries), rows };
}

describe("hf-vit", () => {
  it("maps every weight of tiny-vit: [CLS], positions [1, n, d] → [n, d], patch conv, classifier", () => {
    const { hf, rows } = vitCase(true);
    expectBinding(specIr("specs/tiny-vit.loom"), hf, rows, "hf-vit");
  });

  it("maps the mean-pooling variant without a [CLS] token", () => {
    const { hf, rows } = vitCase(false);
    expectBinding(specIr("specs/tiny-vit-mean.loom"), hf, rows, "hf-vit");
  });
});

// ---------------------------------------------------------------------------------------------
// Llama, Mistral, Mixtral

function llamaCase(moe?: { experts: number; ffn: number }) {
  const [vocab, d, kv, ffn, layers] = [256, 64, 32, 160, 2];
  const entries: [string, number[]][] = [["model.embed_tokens.weight", [vocab, d]]];
  const rows: Row[] = [["embed_tokens.weight", "model.embed_tokens.weight"]];
  const add = (hf: string, loom: string, shape: number[]) => {
    entries.push([hf, shape]);
    rows.push([loom, hf]);
  };
  for (let i = 0; i < layers; i++) {
    const l = `model.layers.${i}`;
    const o = moe ? `layers.${i}` : `layers.${i}.llama_block`;
    add(`${l}.input_layernorm.weight`, `${o}.rmsnorm.weight`, [d]);
    add(`${l}.self_attn.q_proj.weight`, `${o}.attention.q.weight`, [d, d]);
    add(`${l}.self_attn.k_proj.weight`, `${o}.attention.k.weight`, [kv, d]);
    add(`${l}.self_attn.v_proj.weight`, `${o}.attention.v.weight`, [kv, d]);
    add(`${l}.self_attn.o_proj.weight`, `${o}.attention.o.weight`, [d, d]);
    add(`${l}.post_attention_layernorm.weight`, `${o}.rmsnorm_1.weight`, [d]);
    if (moe) {
      const m = `${l}.block_sparse_moe`;
      add(`${m}.gate.weight`, `${o}.moe.router.weight`, [moe.experts, d]);
      for (let e = 0; e < moe.experts; e++) {
        add(`${m}.experts.${e}.w1.weight`, `${o}.moe.experts.${e}.gate.weight`, [moe.ffn, d]);
        add(`${m}.experts.${e}.w3.weight`, `${o}.moe.experts.${e}.up.weight`, [moe.ffn, d]);
        add(`${m}.experts.${e}.w2.weight`, `${o}.moe.experts.${e}.down.weight`, [d, moe.ffn]);
      }
    } else {
      add(`${l}.mlp.gate_proj.weight`, `${o}.mlp.gate.weight`, [ffn, d]);
      add(`${l}.mlp.up_proj.weight`, `${o}.mlp.up.weight`, [ffn, d]);
      add(`${l}.mlp.down_proj.weight`, `${o}.mlp.down.weight`, [d, ffn]);
    }
  }
  add("model.norm.weight", "rmsnorm.weight", [d]);
  add("lm_head.weight", "linear.weight", [vocab, d]);
  return { hf: fake(entries), rows };
}

const TINY_MOE = `
  model tiny_moe {
    dims { vocab = 256, ctx = 64, d = 64, heads = 4, kv_heads = 2, layers = 2 }
    dims { experts = 4, top_k = 2, ffn = 96 }
    input tokens: int[batch, seq <= ctx]
    x = embed(tokens, vocab, d) as embed_tokens
    repeat layers as layers {
      x = x + attention(rmsnorm(x, eps = 1e-5), heads, kv_heads, causal, rope(theta = 1000000), bias = false)
      x = x + moe(rmsnorm(x, eps = 1e-5), experts, top_k, hidden = ffn, act = swiglu)
    }
    output logits = linear(rmsnorm(x, eps = 1e-5), vocab, bias = false)
  }
`;

describe("hf-llama", () => {
  it("maps every weight of tiny-llama (GQA k/v [kv_heads·head_dim, d], no permutation of q/k)", () => {
    const { hf, rows } = llamaCase();
    const invFreq = {
      name: "model.layers.0.self_attn.rotary_emb.inv_freq",
      dtype: "F32",
      shape: [8],
      bytes: f32Bytes(new Array(8).fill(1)),
    };
    expectBinding(specIr("specs/tiny-llama.loom"), hf, rows, "hf-llama", { extras: [invFreq] });
  });

  it("maps a Mixtral-style MoE: block_sparse_moe.gate, experts.e.w1 (gate), w3 (up), w2 (down)", () => {
    const { hf, rows } = llamaCase({ experts: 4, ffn: 96 });
    expectBinding(textIr(TINY_MOE), hf, rows, "hf-llama");
  });

  it("a shared expert has no Mixtral name: E0505 says the layout does not cover it", () => {
    const ir = specIr("specs/tiny-mixtral.loom");
    const { hf } = llamaCase({ experts: 4, ffn: 96 });
    const loaded = loadWeights(ir, PATH, writeSafetensors(hf));
    const missing = loaded.diagnostics.filter((d) => d.code === "E0505").map((d) => d.message);
    expect(missing).toContain(
      "missing weight: layout hf-llama has no name for `layers.0.moe.shared.gate.weight` [64, 64] (a `moe` weight)",
    );
    expect(codes(loaded.diagnostics).every((c) => c === "E0505")).toBe(true);
  });
});

describe("layout selection", () => {
  it("an explicit layout overrides detection", () => {
    const ir = specIr("specs/tiny-gpt.loom");
    const { hf } = gpt2Case(TINY_GPT_NAMES, TINY_GPT_DIMS);
    const loaded = loadWeights(ir, PATH, writeSafetensors(hf), { layout: "loom" });
    expect(loaded.layout).toBe("loom");
    expect(codes(loaded.diagnostics)).toEqual(["E0505"]);
    expect(loaded.diagnostics[0]!.message).toBe(
      "missing weights: the file holds only 1 of the 36 weights the spec needs",
    );
  });

  it("a file with the spec's own names is read as loom, even without metadata", () => {
    const ir = specIr("specs/tiny-bert.loom");
    const tensors = seededTensors(declaredWeights(ir).map((w) => [w.name, w.shape]));
    const loaded = loadWeights(ir, PATH, writeSafetensors(tensors));
    expect(loaded.layout).toBe("loom");
    expect(loaded.diagnostics).toEqual([]);
    for (const [name, t] of tensors) expect(loaded.weights!.get(name)!.data).toEqual(t.data);
  });
});

describe("the published specs are covered by their layouts", () => {
  // Tensor counts of the Hugging Face checkpoints (weights only, no buffers, tied copies dropped).
  const cases: [string, Layout, number][] = [
    ["specs/gpt2-small.loom", "hf-gpt2", 148],
    ["specs/bert-base-uncased.loom", "hf-bert", 199],
    ["specs/t5-small.loom", "hf-t5", 131],
    ["specs/vit-base-patch16-224.loom", "hf-vit", 200],
    ["specs/llama2-7b.loom", "hf-llama", 291],
    ["specs/mistral-7b.loom", "hf-llama", 291],
    ["specs/mixtral-8x7b.loom", "hf-llama", 995],
  ];
  for (const [spec, layout, tensors] of cases) {
    it(`${spec}: every weight has a ${layout} name; ${tensors} tensors`, () => {
      const ir = specIr(spec);
      const map = layoutMap(ir, layout, new Set());
      expect(map.bindings.map((b) => b.loom).sort()).toEqual(
        declaredWeights(ir)
          .map((w) => w.name)
          .sort(),
      );
      expect(new Set(map.bindings.map((b) => b.file)).size).toBe(tensors);
    });
  }
});
