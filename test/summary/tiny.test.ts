import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { defaultSeq, summarize } from "../../src/compiler/summary/summary.ts";

const read = (path: string) => readFileSync(path, "utf8");

/** The typed IR of a spec, read through `edit` (to test variants of a file). */
function load(name: string, edit: (text: string) => string = (t) => t): TypedIr {
  const result = checkSpec(`specs/${name}.loom`, (p) => edit(read(p)));
  expect(result.diagnostics).toEqual([]);
  const ir = result.models[0]?.ir;
  if (!ir) throw new Error(`specs/${name}.loom did not check`);
  return ir;
}

const params = (name: string) => summarize(load(name), { batch: 1, seq: 8 }).parameters;

describe("tiny specs: parameters counted by hand", () => {
  it("tiny-gpt", () => {
    // vocab 256, ctx 64, d 64, 2 layers, LM head tied to wte.
    const wte = 256 * 64; // 16,384
    const wpe = 64 * 64; // 4,096
    const attention = 4 * (64 * 64 + 64); // q, k, v, o with biases: 16,640
    const mlp = 64 * 256 + 256 + 256 * 64 + 64; // 33,088
    const layer = 2 * 128 + attention + mlp; // two LayerNorms: 49,984
    expect(params("tiny-gpt")).toBe(wte + wpe + 2 * layer + 128); // 120,576
  });

  it("tiny-bert", () => {
    // vocab 512, ctx 128, d 64, ffn 128, 2 post-norm layers, 2 segment types, pooler.
    const embeddings = 512 * 64 + 128 * 64 + 2 * 64 + 128; // word, position, type, LN: 41,216
    const attention = 4 * (64 * 64 + 64); // 16,640
    const mlp = 64 * 128 + 128 + 128 * 64 + 64; // 16,576
    const layer = attention + mlp + 2 * 128; // 33,472
    const pooler = 64 * 64 + 64; // 4,160
    expect(params("tiny-bert")).toBe(embeddings + 2 * layer + pooler); // 112,320
  });

  it("tiny-t5", () => {
    // vocab 128, d 32, 4 heads, ffn 64, 2 + 2 layers, 8 buckets, no biases, RMSNorm (scale only).
    const shared = 128 * 32; // 4,096, used by encoder, decoder and LM head
    const bias = 8 * 4; // one relative-position table per stack: 32
    const attention = 4 * 32 * 32; // 4,096
    const ffn = 2 * 32 * 64; // 4,096
    const encoderLayer = 2 * 32 + attention + ffn; // 8,256
    const decoderLayer = 3 * 32 + 2 * attention + ffn; // 12,384
    const encoder = bias + 2 * encoderLayer + 32; // + final RMSNorm
    const decoder = bias + 2 * decoderLayer + 32;
    expect(params("tiny-t5")).toBe(shared + encoder + decoder); // 45,504
  });

  it("tiny-transformer", () => {
    // vocab 200, d 32, 2 heads, ffn 64, 2 + 2 post-norm layers, one shared table, no position weights.
    const shared = 200 * 32; // 6,400
    const attention = 4 * (32 * 32 + 32); // 4,224
    const ffn = 32 * 64 + 64 + 64 * 32 + 32; // 4,192
    const encoderLayer = attention + ffn + 2 * 64; // 8,544
    const decoderLayer = 2 * attention + ffn + 3 * 64; // 12,832
    expect(params("tiny-transformer")).toBe(shared + 2 * encoderLayer + 2 * decoderLayer); // 49,152
  });

  it("tiny-vit and tiny-vit-mean", () => {
    // 28 × 28 × 1 image, patch 7 → 16 patches, d 48, 3 heads, MLP 96, 2 layers, 10 classes.
    const patchEmbed = 48 * 1 * 7 * 7 + 48; // conv weight + bias: 2,400
    const attention = 4 * (48 * 48 + 48); // 9,408
    const mlp = 48 * 96 + 96 + 96 * 48 + 48; // 9,360
    const layer = 2 * 96 + attention + mlp; // 18,960
    const head = 96 + (48 * 10 + 10); // final LayerNorm + classifier: 586
    const body = patchEmbed + 2 * layer + head;
    expect(params("tiny-vit")).toBe(body + 48 + 17 * 48); // [CLS] + 17 positions: 41,770
    expect(params("tiny-vit-mean")).toBe(body + 16 * 48); // 16 positions: 41,674
  });

  it("tiny-llama", () => {
    // vocab 256, d 64, 4 heads of 16, 2 kv heads, SwiGLU 160, 2 layers, untied head, no biases.
    const attention = 64 * 64 + 2 * (2 * 16 * 64) + 64 * 64; // q, k, v, o: 12,288
    const swiglu = 3 * 64 * 160; // gate, up, down: 30,720
    const layer = 2 * 64 + attention + swiglu; // 43,136
    expect(params("tiny-llama")).toBe(256 * 64 + 2 * layer + 64 + 256 * 64); // 119,104
  });

  it("tiny-mixtral", () => {
    // d 64, 4 experts (SwiGLU 96), top-2, shared expert SwiGLU 64, attention as tiny-llama.
    const attention = 12_288;
    const moe = 4 * 64 + 4 * (3 * 64 * 96) + 3 * 64 * 64; // router, experts, shared: 86,272
    const layer = 2 * 64 + attention + moe; // 98,688
    expect(params("tiny-mixtral")).toBe(256 * 64 + 2 * layer + 64 + 256 * 64); // 230,208
  });

  it("tiny-gptj", () => {
    // Parallel residual: one LayerNorm per layer; bias-free attention; untied head with bias.
    const layer = 128 + 4 * 64 * 64 + (64 * 256 + 256 + 256 * 64 + 64); // 49,600
    expect(params("tiny-gptj")).toBe(256 * 64 + 2 * layer + 128 + (256 * 64 + 256)); // 132,352
  });

  it("tiny-gemma", () => {
    // MQA: 4 query heads of 32 (wider than 64 / 4), 1 kv head; GeGLU 128; tied head.
    const attention = 128 * 64 + 2 * (32 * 64) + 64 * 128; // 20,480
    const layer = 2 * 64 + attention + 3 * 64 * 128; // 45,184
    expect(params("tiny-gemma")).toBe(256 * 64 + 2 * layer + 64); // 106,816
  });

  it("tiny-sandwich", () => {
    // Four RMSNorms per layer (around each sublayer), SiLU MLP 64, 3 layers, untied head.
    const layer = 4 * 32 + 4 * (32 * 32 + 32) + (32 * 64 + 64 + 64 * 32 + 32); // 8,544
    expect(params("tiny-sandwich")).toBe(128 * 32 + 32 * 32 + 3 * layer + 32 + 128 * 32); // 34,880
  });
});

describe("tied weights", () => {
  it("counts a tied table once, and untying adds exactly one table", () => {
    const tied = summarize(load("tiny-gpt"), { batch: 1, seq: 8 });
    expect(tied.components.byCategory["heads"]).toBe(0);
    const untied = summarize(
      load("tiny-gpt", (t) =>
        t.replace("lm_head(layernorm(x), tied_to = wte)", "lm_head(layernorm(x), vocab)"),
      ),
      { batch: 1, seq: 8 },
    );
    expect(untied.parameters - tied.parameters).toBe(256 * 64);
    expect(untied.components.byCategory["heads"]).toBe(256 * 64);
  });

  it("counts T5's table once across encoder, decoder and head", () => {
    const s = summarize(load("tiny-t5"), { batch: 1, seq: 8 });
    // shared table + two relative-position tables
    expect(s.components.byCategory["embeddings"]).toBe(128 * 32 + 2 * 8 * 4);
    expect(s.components.byCategory["heads"]).toBe(0);
  });
});

describe("FLOPs per token, by hand", () => {
  // Convention: 2 per multiply-accumulate of each matmul, plus 2·2·keys·heads·head_dim per query
  // token for the scores and the weighted sum of each attention.
  it("tiny-gpt at seq 8", () => {
    const projections = 4 * 2 * 64 * 64; // q, k, v, o: 32,768
    const mixing = 2 * 2 * 8 * 4 * 16; // keys 8, heads 4, head_dim 16: 2,048
    const mlp = 2 * (64 * 256 + 256 * 64); // 65,536
    const head = 2 * 64 * 256; // tied LM head is still a matmul: 32,768
    const { flopsPerToken } = summarize(load("tiny-gpt"), { batch: 1, seq: 8 });
    expect(flopsPerToken).toBe(2 * (projections + mixing + mlp) + head); // 233,472
  });

  it("tiny-gpt does not depend on batch", () => {
    const one = summarize(load("tiny-gpt"), { batch: 1, seq: 8 });
    const four = summarize(load("tiny-gpt"), { batch: 4, seq: 8 });
    expect(four.flopsPerToken).toBe(one.flopsPerToken);
  });

  it("tiny-llama at seq 16 (GQA: k and v project to 2 heads)", () => {
    const attention = 2 * 64 * 64 + 2 * (2 * 64 * 32) + 2 * 64 * 64; // 24,576
    const mixing = 2 * 2 * 16 * 4 * 16; // 4,096
    const swiglu = 2 * 3 * 64 * 160; // 61,440
    const head = 2 * 64 * 256; // 32,768
    const { flopsPerToken } = summarize(load("tiny-llama"), { batch: 1, seq: 16 });
    expect(flopsPerToken).toBe(2 * (attention + mixing + swiglu) + head); // 212,992
  });

  it("tiny-mixtral at seq 16 counts the router, 2 of 4 experts and the shared expert", () => {
    const attention = 24_576 + 4_096;
    const moe = 2 * 64 * 4 + 2 * (2 * 3 * 64 * 96) + 2 * 3 * 64 * 64; // 512 + 73,728 + 24,576
    const { flopsPerToken } = summarize(load("tiny-mixtral"), { batch: 1, seq: 16 });
    expect(flopsPerToken).toBe(2 * (attention + moe) + 2 * 64 * 256); // 287,744
  });

  it("tiny-transformer at seq 8 (encoder and decoder, cross-attention over 8 source tokens)", () => {
    const attention = 4 * 2 * 32 * 32 + 2 * 2 * 8 * 2 * 16; // projections 8,192 + mixing 1,024
    const ffn = 2 * (32 * 64 + 64 * 32); // 8,192
    const encoder = 2 * (attention + ffn); // 34,816
    // Cross-attention: q, o per target token, k, v per source token (8 of each), same mixing.
    const decoder = 2 * (attention + attention + ffn); // 53,248
    const head = 2 * 32 * 200; // 12,800
    const { flopsPerToken } = summarize(load("tiny-transformer"), { batch: 1, seq: 8 });
    expect(flopsPerToken).toBe(encoder + decoder + head); // 100,864
  });

  it("tiny-vit divides one image's FLOPs by its 17 positions", () => {
    const patch = 2 * 16 * (1 * 7 * 7) * 48; // 16 patches: 75,264
    const layer = 17 * (4 * 2 * 48 * 48 + 2 * (2 * 48 * 96)) + 2 * 2 * 17 * 17 * 3 * 16;
    const classifier = 2 * 48 * 10; // once per image
    const { flopsPerToken } = summarize(load("tiny-vit"), { batch: 1, seq: 17 });
    expect(flopsPerToken).toBeCloseTo((patch + 2 * layer + classifier) / 17, 6);
  });
});

describe("attention with out =, by hand", () => {
  // tiny-gpt with each attention widened to 96 and projected back: linear(attention(…, out = 96), d).
  const widened = () =>
    load("tiny-gpt", (t) =>
      t.replace(
        "x = x + attention(layernorm(x), heads, causal)",
        "x = x + linear(attention(layernorm(x), heads, causal, out = 96), d)",
      ),
    );
  it("counts the output projection as [96, 64] and the linear back as [64, 96]", () => {
    const before = summarize(load("tiny-gpt"), { batch: 1, seq: 8 });
    const after = summarize(widened(), { batch: 1, seq: 8 });
    // Per layer: o grows from 64·64 + 64 to 96·64 + 96 (+2,080); the linear adds 96·64 + 64 (6,208).
    expect(after.parameters - before.parameters).toBe(2 * (2_080 + 6_208)); // 16,576
    // Per token and layer: o costs 2·64·96 instead of 2·64·64 (+4,096), the linear 2·96·64 (12,288).
    expect(after.flopsPerToken - before.flopsPerToken).toBe(2 * (4_096 + 12_288)); // 32,768
  });
});

describe("KV cache, by hand", () => {
  // K and V, f32: 2 × batch × keys × kv_heads × head_dim × 4 bytes per cached attention.
  it("tiny-gpt: 2 causal layers", () => {
    const { kvCacheBytes } = summarize(load("tiny-gpt"), { batch: 2, seq: 8 });
    expect(kvCacheBytes).toBe(2 * (2 * 2 * 8 * 4 * 16 * 4)); // 16,384
  });

  it("tiny-llama: GQA caches 2 kv heads, not 4", () => {
    const { kvCacheBytes } = summarize(load("tiny-llama"), { batch: 2, seq: 8 });
    expect(kvCacheBytes).toBe(2 * (2 * 2 * 8 * 2 * 16 * 4)); // 8,192
  });

  it("tiny-gemma: MQA caches one head of 32", () => {
    const { kvCacheBytes } = summarize(load("tiny-gemma"), { batch: 1, seq: 64 });
    expect(kvCacheBytes).toBe(2 * (2 * 1 * 64 * 1 * 32 * 4)); // 32,768
  });

  it("tiny-transformer: decoder self-attention and cross-attention, not the encoder", () => {
    const perLayer = 2 * 2 * 8 * 2 * 16 * 4; // 4,096
    const { kvCacheBytes } = summarize(load("tiny-transformer"), { batch: 2, seq: 8 });
    expect(kvCacheBytes).toBe(2 * perLayer + 2 * perLayer); // 16,384
  });

  it("tiny-t5: a seq above the bound is capped at it (32)", () => {
    const perLayer = 2 * 1 * 32 * 4 * 8 * 4; // 8,192
    const capped = summarize(load("tiny-t5"), { batch: 1, seq: 100 });
    expect(capped.kvCacheBytes).toBe(2 * perLayer + 2 * perLayer); // 32,768
    expect(capped.seq).toBe(100);
  });

  it("encoders cache nothing", () => {
    expect(summarize(load("tiny-bert"), { batch: 2, seq: 8 }).kvCacheBytes).toBe(0);
    expect(summarize(load("tiny-vit"), { batch: 2, seq: 17 }).kvCacheBytes).toBe(0);
  });
});

describe("activation peak, by hand", () => {
  it("tiny-gpt at batch 2, seq 8: the logits step", () => {
    // Hidden [2, 8, 64] = 4,096 B; logits [2, 8, 256] = 16,384 B. The peak is the LM head,
    // with its input and output live: 4,096 + 16,384. (An attention step holds the residual,
    // the LayerNorm output, its own output and 2 × 4 × 8 × 8 scores: 3 × 4,096 + 2,048.)
    const { activationBytes } = summarize(load("tiny-gpt"), { batch: 2, seq: 8 });
    expect(activationBytes).toBe(4_096 + 16_384);
  });

  it("tiny-gpt at batch 1, seq 64: an attention step", () => {
    // Hidden [1, 64, 64] = 16,384 B; scores 1 × 4 × 64 × 64 × 4 = 65,536 B.
    // Attention: residual + LayerNorm output + attention output + scores = 3 × 16,384 + 65,536;
    // the LM head only needs 16,384 + 64 × 256 × 4 = 81,920.
    const { activationBytes } = summarize(load("tiny-gpt"), { batch: 1, seq: 64 });
    expect(activationBytes).toBe(3 * 16_384 + 65_536); // 114,688
  });
});

describe("default seq", () => {
  it("is the sequence bound, capped at 2048, or a ViT's sequence length", () => {
    expect(defaultSeq(load("tiny-gpt"))).toBe(64);
    expect(defaultSeq(load("tiny-t5"))).toBe(32);
    expect(defaultSeq(load("llama3-8b"))).toBe(2048);
    expect(defaultSeq(load("tiny-vit"))).toBe(17);
    expect(defaultSeq(load("tiny-vit-mean"))).toBe(16);
  });
});
