/**
 * Regressions of the residual-add folds (issue 11): sums whose operands are both fused producers,
 * in any order and across statements, fused outputs read twice, chained adds, norms after adds,
 * and position adds whose operands are read elsewhere. Each spec is compiled for this machine's
 * adapter, its plan verified (no diagnostics), run on WebGPU and compared with the CPU reference
 * within test/webgpu/differential.ts's tolerance (1e-3 of the output's scale, justified there).
 * Before the fix, the first spec's plan read an unwritten buffer and bound one buffer as both the
 * residual and the output of a matmul; Dawn refused the dispatch and the output stayed zero.
 */
import { afterAll, expect, it } from "vitest";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { differential } from "./differential.ts";

const acquired = acquireNodeDevice();
afterAll(async () => (await acquired).device.destroy());

/** A model over token ids with `a` (the embedding) and `x` (its norm), then the given lines. */
const encoder = (
  name: string,
  lines: string,
  output = "output y = layernorm(x)",
) => `model ${name} {
  dims { vocab = 16, d = 8, heads = 2, ctx = 8 }
  input ids: int[batch, seq <= ctx]
  a = embed(ids, vocab, d)
  x = layernorm(a)
  ${lines}
  ${output}
}`;

const CASES: [string, string][] = [
  ["linear + linear (the bug)", encoder("sum", "x = linear(a, d) + linear(x, d)")],
  ["linear + linear, swapped", encoder("swapped", "x = linear(x, d) + linear(a, d)")],
  ["linear + linear, split", encoder("split", "p = linear(a, d)\n  q = linear(x, d)\n  x = p + q")],
  ["linear + attention", encoder("la", "x = linear(x, d) + attention(x, heads)")],
  ["attention + linear", encoder("al", "x = attention(x, heads) + linear(a, d)")],
  ["mlp + mlp", encoder("mm", "x = mlp(x, 2 * d) + swiglu(layernorm(x), 2 * d)")],
  [
    "chained a + b + c + d",
    encoder("chain", "x = x + linear(x, d) + linear(a, d) + attention(x, heads)"),
  ],
  ["chained, producers first", encoder("chain2", "x = linear(x, d) + mlp(a, 16) + x")],
  ["a norm after the sum", encoder("norm", "x = rmsnorm(linear(x, d) + linear(a, d))")],
  [
    "a fused output read twice",
    encoder("twice", "h = linear(x, d)\n  x = x + h", "output y = layernorm(x + h)"),
  ],
  [
    "a fused output that is a model output",
    encoder("out", "h = linear(x, d)\n  x = a + h\n  output hidden = h"),
  ],
  ["the residual is the output itself", encoder("self", "h = linear(x, d)\n  x = h + h")],
  [
    "the residual is read later",
    encoder("later", "x = a + linear(x, d)", "output y = layernorm(x + a)"),
  ],
  [
    "embedding with positions, read elsewhere",
    `model pos {
  dims { vocab = 16, d = 8, ctx = 8 }
  input ids: int[batch, seq <= ctx]
  h = embed(ids, vocab, d)
  x = h + learned_positions(h, ctx)
  output y = layernorm(x + linear(h, d))
}`,
  ],
  [
    "scaled embedding with positions, read elsewhere",
    `model scaled {
  dims { vocab = 16, d = 8, ctx = 8 }
  input ids: int[batch, seq <= ctx]
  h = embed(ids, vocab, d) * 2
  p = learned_positions(h, ctx)
  x = h + p
  output y = layernorm(x + h + p)
}`,
  ],
  [
    "cls token with positions, read elsewhere",
    `model cls {
  dims { d = 8 }
  input pixels: float[batch, 1, 4, 4]
  c = cls_token(patch_embed(pixels, 2, d))
  x = c + learned_positions(c, 5)
  output y = mean_pool(layernorm(x + linear(c, d)))
}`,
  ],
  [
    "a parallel decoder that generates (decode steps too)",
    `model parallel {
  dims { vocab = 16, d = 8, heads = 1, ctx = 8 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d)
  n = layernorm(x)
  x = attention(n, heads, causal, rope(theta = 10000)) + mlp(n, 16) + linear(x, d) + x
  output logits = lm_head(layernorm(x), vocab)
}`,
  ],
];

it.each(CASES)(
  "%s: verifies and agrees with the CPU reference",
  async (_, spec) => {
    const { device, kind } = await acquired;
    const outcome = await differential(device, kind, spec);
    expect(outcome).toEqual({ status: "agrees", worst: expect.any(Number) });
  },
  120_000,
);
