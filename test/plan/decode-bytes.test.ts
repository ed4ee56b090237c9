/**
 * Weight bytes a decode step reads, against the spec's parameters counted by hand: tiny-gpt-moby
 * (vocab 89, d 128, 4 layers, mlp 512, ctx 128, LM head tied to the embedding) has per layer two
 * LayerNorms 2·256, qkv 128·384 + 384, out 128·128 + 128, up 128·512 + 512, down 512·128 + 128 =
 * 198,272, so 4 · 198,272 + 256 (final norm) + 89·128 (wte) + 128·128 (positions) = 821,120.
 * A decode step reads all of it but the position table (one row of it): 804,736 f32.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { CPU_DECODE_MATMUL_TILE } from "../../src/compiler/codegen/matmul-tile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { decodeWeightBytes } from "../../src/contracts/plan/decode-bytes.ts";

const ir = checkSpec("specs/tiny-gpt-moby.loom", (p) => readFileSync(p, "utf8")).models[0]!.ir!;
const DECODE_BYTES = (821_120 - 128 * 128) * 4;

describe("decodeWeightBytes", () => {
  it("counts every weight a decode step reads, the tied table included, not the gathered positions", () => {
    for (const target of ["cpu", "gpu"] as const)
      expect(decodeWeightBytes(ir, lowerToPlan(ir, { target }).plan!), target).toBe(DECODE_BYTES);
  });

  it("leaves out the steps that run only at prefill", () => {
    const tile = CPU_DECODE_MATMUL_TILE;
    const plan = lowerToPlan(ir, {
      target: "gpu",
      tiles: { plain: tile, gated: tile, decode: tile },
    }).plan!;
    expect(plan.steps.some((s) => s.when === "prefill")).toBe(true);
    expect(decodeWeightBytes(ir, plan)).toBe(DECODE_BYTES);
  });

  it("counts an untied head's own matrix", () => {
    const untied = readFileSync("specs/tiny-gpt-moby.loom", "utf8").replace(
      "tied_to = wte",
      "vocab",
    );
    const other = checkSpec("untied.loom", () => untied).models[0]!.ir!;
    const plan = lowerToPlan(other, { target: "cpu" }).plan!;
    // The head's own 128 · 89 matrix; the embedding table is now only gathered.
    expect(decodeWeightBytes(other, plan)).toBe(DECODE_BYTES + 128 * 89 * 4 - 89 * 128 * 4);
  });
});
