import { describe, expect, it } from "vitest";
import { KernelSchema } from "../../src/contracts/plan/schema.ts";
import { workgroupCounts, type Kernel } from "../../src/contracts/kernel.ts";
import { argmaxKernel } from "../../src/compiler/codegen/argmax.ts";
import { binaryKernel, unaryKernel } from "../../src/compiler/codegen/elementwise.ts";
import { embedKernel } from "../../src/compiler/codegen/embed.ts";
import { moeExpertsKernel, sharedExpertKernel } from "../../src/compiler/codegen/moe-experts.ts";
import { moeRouterKernel } from "../../src/compiler/codegen/moe-router.ts";
import { normKernel } from "../../src/compiler/codegen/norm.ts";
import { clsTokenKernel, patchEmbedKernel } from "../../src/compiler/codegen/patch.ts";
import { clsPoolKernel, meanPoolKernel } from "../../src/compiler/codegen/pool.ts";
import { residualNormKernel } from "../../src/compiler/codegen/residual-norm.ts";
import { softmaxKernel } from "../../src/compiler/codegen/softmax.ts";
import { topKKernel } from "../../src/compiler/codegen/topk.ts";

/** Glue kernels at the dims of real models (Llama-2-7B, Mixtral, GPT-2, ViT-B/16). */
const KERNELS: Kernel[] = [
  embedKernel({ vocab: 50257, d: 768, positions: { kind: "learned", maxLen: 1024 } }),
  embedKernel({ vocab: 32000, d: 4096, positions: { kind: "sinusoidal", base: 10000 }, scale: 64 }),
  normKernel({ kind: "rmsnorm", d: 8192, eps: 1e-5 }),
  normKernel({ kind: "layernorm", d: 768, eps: 1e-5 }),
  residualNormKernel({ kind: "layernorm", d: 4096, eps: 1e-5, sum: "separate" }),
  residualNormKernel({ kind: "rmsnorm", d: 4096, eps: 1e-5, sum: "in-place" }),
  softmaxKernel({ d: 32000 }),
  binaryKernel({ op: "add", d: 768, b: "seq" }),
  unaryKernel({ op: "gelu", d: 3072 }),
  patchEmbedKernel({ channels: 3, height: 224, width: 224, patch: 16, d: 768 }),
  clsTokenKernel({ d: 768, positions: true }),
  clsPoolKernel({ d: 768 }),
  meanPoolKernel({ d: 768, padding: true }),
  moeRouterKernel({ experts: 8, topK: 2 }),
  moeExpertsKernel({ d: 4096, hidden: 14336, experts: 8, topK: 2, act: "swiglu", bias: true }),
  sharedExpertKernel({ d: 2048, hidden: 5632, act: "geglu", bias: true }),
  argmaxKernel({ vocab: 128256 }),
  topKKernel({ vocab: 128256, k: 64 }),
];

describe("glue kernels fit WebGPU's guaranteed limits", () => {
  for (const kernel of KERNELS) {
    it(kernel.name, () => {
      expect(KernelSchema.parse(kernel)).toEqual(kernel);
      expect(kernel.workgroupStorageBytes).toBeLessThanOrEqual(16384);
      const [x, y, z] = kernel.workgroupSize;
      expect(x * y * z).toBeLessThanOrEqual(256);
      expect(kernel.bindings.filter((b) => b.access !== "uniform").length).toBeLessThanOrEqual(8);
      // every binding is declared at its index, and the params uniform comes first
      kernel.bindings.forEach((b, i) => {
        expect(kernel.wgsl).toContain(
          `@group(0) @binding(${i}) var<${b.access === "uniform" ? "uniform" : "storage"}`,
        );
        expect(kernel.wgsl).toMatch(new RegExp(`@binding\\(${i}\\) var<[^>]+> ${b.name}:`));
      });
      if (kernel.params.length > 0)
        expect(kernel.bindings[0]).toEqual({ name: "params", access: "uniform" });
      // the dispatch evaluates at typical runtime sizes and stays within 65535 workgroups per axis
      const counts = workgroupCounts(kernel, { rows: 512, batch: 4, seq: 128, past: 0 });
      for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of counts) expect(n).toBeLessThanOrEqual(65535);
    });
  }
});

describe("glue kernel names identify their WGSL", () => {
  it("differs whenever the generated code does", () => {
    const variants: Kernel[] = [
      normKernel({ kind: "layernorm", d: 64, eps: 1e-5 }),
      normKernel({ kind: "layernorm", d: 64, eps: 1e-6 }),
      normKernel({ kind: "layernorm", d: 64, eps: 1e-5, bias: false }),
      normKernel({ kind: "rmsnorm", d: 64, eps: 1e-5 }),
      residualNormKernel({ kind: "rmsnorm", d: 64, eps: 1e-5, sum: "none" }),
      residualNormKernel({ kind: "rmsnorm", d: 64, eps: 1e-6, sum: "none" }),
      softmaxKernel({ d: 64 }),
      softmaxKernel({ d: 64, scale: 0.125 }),
      unaryKernel({ op: "scale", d: 64, factor: 2 }),
      unaryKernel({ op: "scale", d: 64, factor: 3 }),
      embedKernel({ vocab: 10, d: 64, scale: 8 }),
      embedKernel({ vocab: 10, d: 64 }),
      embedKernel({ vocab: 10, d: 64, positions: { kind: "learned", maxLen: 16 } }),
      embedKernel({ vocab: 10, d: 64, positions: { kind: "learned", maxLen: 32 } }),
      embedKernel({ vocab: 10, d: 64, positions: { kind: "sinusoidal", base: 10000 } }),
      patchEmbedKernel({ channels: 1, height: 4, width: 4, patch: 2, d: 8 }),
      patchEmbedKernel({ channels: 1, height: 4, width: 4, patch: 2, d: 8, bias: false }),
      moeExpertsKernel({ d: 8, hidden: 16, experts: 4, topK: 2, act: "swiglu" }),
      moeExpertsKernel({ d: 8, hidden: 16, experts: 4, topK: 2, act: "swiglu", accumulate: true }),
      sharedExpertKernel({ d: 8, hidden: 16, act: "swiglu" }),
      topKKernel({ vocab: 100, k: 8, rows: "all" }),
      topKKernel({ vocab: 100, k: 8 }),
    ];
    const names = new Set(variants.map((k) => k.name));
    expect(names.size).toBe(variants.length);
  });
});
