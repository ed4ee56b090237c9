import { afterAll, describe, expect, it } from "vitest";
import { linear } from "../../src/runtime/reference/linear.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import {
  moeExpertsKernel,
  packMoeWeights,
  sharedExpertKernel,
  type ExpertAct,
} from "../../src/compiler/codegen/moe-experts.ts";
import { moeRouterKernel } from "../../src/compiler/codegen/moe-router.ts";
import {
  ErrorLog,
  TOLERANCE,
  glueDevice,
  maxRelError,
  randomF32,
  reference,
  run,
  tensorOf,
  u32s,
  uniform,
} from "./glue-helpers.ts";

const device = await glueDevice();
const log = new ErrorLog();

/** The reference's choice: experts by (logit desc, index asc), the first k. */
function referenceChoice(logits: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: logits.length }, (_, i) => i)
    .sort((a, b) => logits[b]! - logits[a]! || a - b)
    .slice(0, k);
}

interface MoeCase {
  d: number;
  hidden: number;
  experts: number;
  topK: number;
  act: ExpertAct;
  bias: boolean;
  shared: number | null;
  rows: number[];
}

const CASES: MoeCase[] = [
  {
    d: 7,
    hidden: 5,
    experts: 4,
    topK: 2,
    act: "swiglu",
    bias: false,
    shared: null,
    rows: [1, 5, 17],
  },
  {
    d: 33,
    hidden: 20,
    experts: 8,
    topK: 2,
    act: "geglu",
    bias: true,
    shared: 12,
    rows: [1, 5, 17],
  },
  { d: 1, hidden: 3, experts: 3, topK: 1, act: "gelu", bias: true, shared: null, rows: [1, 5, 17] },
  { d: 96, hidden: 40, experts: 6, topK: 3, act: "silu", bias: false, shared: 24, rows: [5, 17] },
  { d: 7, hidden: 9, experts: 5, topK: 5, act: "relu", bias: true, shared: 4, rows: [5] },
  // more hidden units than one workgroup-memory chunk (1024): two passes
  {
    d: 7,
    hidden: 1100,
    experts: 2,
    topK: 1,
    act: "gelu_tanh",
    bias: false,
    shared: null,
    rows: [3],
  },
  // a row too wide to stage in workgroup memory (> 2048): x read directly
  { d: 2100, hidden: 3, experts: 2, topK: 1, act: "swiglu", bias: true, shared: null, rows: [2] },
];

/** Random weights of a moe node in the reference's names. */
function moeWeights(
  c: MoeCase,
  next: (lo?: number, hi?: number) => number,
): Record<string, Tensor> {
  const weights: Record<string, Tensor> = {};
  const gated = c.act === "swiglu" || c.act === "geglu";
  const ffn = (prefix: string, hidden: number) => {
    const w = (name: string, shape: number[], scale: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      weights[`${prefix}${name}`] = tensorOf(
        shape,
        randomF32(n, () => next(-scale, scale)),
      );
    };
    w("up.weight", [hidden, c.d], 1 / Math.sqrt(c.d));
    if (gated) w("gate.weight", [hidden, c.d], 1 / Math.sqrt(c.d));
    w("down.weight", [c.d, hidden], 1 / Math.sqrt(hidden));
    if (c.bias) {
      w("up.bias", [hidden], 0.5);
      if (gated) w("gate.bias", [hidden], 0.5);
      w("down.bias", [c.d], 0.5);
    }
  };
  for (let e = 0; e < c.experts; e++) ffn(`experts.${e}.`, c.hidden);
  if (c.shared !== null) ffn("shared.", c.shared);
  weights["router.weight"] = tensorOf(
    [c.experts, c.d],
    randomF32(c.experts * c.d, () => next()),
  );
  return weights;
}

/**
 * Rows of x whose router logits have no near-tie among the top k + 1 (so f32 and f64 choose the
 * same experts in the same order), and those logits rounded to f32.
 */
function wellSeparatedInput(c: MoeCase, rows: number, router: Tensor, next: () => number) {
  const x = new Float32Array(rows * c.d);
  const logits = new Float32Array(rows * c.experts);
  for (let r = 0; r < rows; r++) {
    for (;;) {
      const row = randomF32(c.d, () => next());
      const scores = linear(tensorOf([1, c.d], row), router).data;
      const sorted = [...scores].sort((a, b) => b - a);
      const gaps = sorted.slice(0, Math.min(c.topK + 1, c.experts));
      if (gaps.every((v, i) => i === 0 || gaps[i - 1]! - v > 1e-3)) {
        x.set(row, r * c.d);
        logits.set(scores, r * c.experts);
        break;
      }
    }
  }
  return { x, logits };
}

describe.skipIf(!device)("MoE kernels vs the reference moe op", () => {
  afterAll(() => log.report("moe"));

  it("router: top-k with ties to the lower index, gates = softmax over the chosen", async () => {
    const next = uniform(81);
    for (const [experts, topK] of [
      [4, 2],
      [8, 2],
      [8, 8],
      [3, 1],
      [33, 4],
    ] as const) {
      const kernel = moeRouterKernel({ experts, topK });
      for (const rows of [1, 5, 17, 70]) {
        // quarter steps: many exact ties
        const logits = randomF32(rows * experts, () => Math.round(next(-3, 3) * 4) / 4);
        const data = {
          logits,
          indices: new Uint32Array(rows * topK),
          gates: new Float32Array(rows * topK),
        };
        const result = await run(kernel, data, { rows });
        const indices = u32s(result["indices"]);
        for (let r = 0; r < rows; r++) {
          const row = logits.subarray(r * experts, (r + 1) * experts);
          const chosen = referenceChoice(row, topK);
          expect([...indices.subarray(r * topK, (r + 1) * topK)]).toEqual(chosen);
          const top = row[chosen[0]!]!;
          const e = chosen.map((i) => Math.exp(row[i]! - top));
          const total = e.reduce((a, b) => a + b, 0);
          const gates = result["gates"]!.subarray(r * topK, (r + 1) * topK);
          expect(
            log.note(
              "router gates",
              maxRelError(
                gates,
                e.map((v) => v / total),
              ),
            ),
          ).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    }
  });

  for (const c of CASES) {
    const label = `E ${c.experts}, top ${c.topK}, d ${c.d}, hidden ${c.hidden}, ${c.act}${c.bias ? ", bias" : ""}${c.shared !== null ? `, shared ${c.shared}` : ""}`;
    it(label, async () => {
      const next = uniform(83 + c.d + c.hidden);
      const weights = moeWeights(c, next);
      const router = moeRouterKernel({ experts: c.experts, topK: c.topK });
      const experts = moeExpertsKernel({ ...c });
      const prefixes = Array.from({ length: c.experts }, (_, e) => `experts.${e}.`);
      const stacked = packMoeWeights(prefixes, c.act, c.bias, (name) => weights[name]?.data);
      const shared =
        c.shared === null
          ? undefined
          : sharedExpertKernel({ d: c.d, hidden: c.shared, act: c.act, bias: c.bias });
      const sharedWeights =
        shared && packMoeWeights(["shared."], c.act, c.bias, (name) => weights[name]?.data);
      for (const rows of c.rows) {
        const { x, logits } = wellSeparatedInput(c, rows, weights["router.weight"]!, () => next());
        const routed = await run(
          router,
          {
            logits,
            indices: new Uint32Array(rows * c.topK),
            gates: new Float32Array(rows * c.topK),
          },
          { rows },
        );
        const indices = u32s(routed["indices"]);
        for (let r = 0; r < rows; r++) {
          const chosen = referenceChoice(
            logits.subarray(r * c.experts, (r + 1) * c.experts),
            c.topK,
          );
          expect([...indices.subarray(r * c.topK, (r + 1) * c.topK)]).toEqual(chosen);
        }
        let out: Float32Array = new Float32Array(rows * c.d).fill(Number.NaN); // overwritten, not added to
        out = (
          await run(experts, { x, indices, gates: routed["gates"]!, ...stacked, out }, { rows })
        )["out"]!;
        if (shared) out = (await run(shared, { x, ...sharedWeights, out }, { rows }))["out"]!;
        const want = reference(
          "moe",
          { experts: c.experts, top_k: c.topK, act: c.act, shared_hidden: c.shared },
          { x: tensorOf([rows, c.d], x) },
          weights,
        ).data;
        expect(log.note(`moe ${c.act}`, maxRelError(out, want))).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }

  it("an out-of-range expert index contributes nothing", async () => {
    const c: MoeCase = {
      d: 7,
      hidden: 5,
      experts: 3,
      topK: 2,
      act: "swiglu",
      bias: false,
      shared: null,
      rows: [1],
    };
    const next = uniform(89);
    const weights = moeWeights(c, next);
    const stacked = packMoeWeights(
      ["experts.0.", "experts.1.", "experts.2."],
      c.act,
      false,
      (n) => weights[n]?.data,
    );
    const x = randomF32(c.d, () => next());
    const kernel = moeExpertsKernel({ ...c });
    const data = {
      x,
      indices: Uint32Array.from([1, 7]),
      gates: Float32Array.from([0.75, 0.25]),
      ...stacked,
      out: new Float32Array(c.d),
    };
    const { out } = await run(kernel, data, { rows: 1 });
    const one = reference(
      "mlp",
      { act: c.act },
      { x: tensorOf([1, c.d], x) },
      {
        "up.weight": weights["experts.1.up.weight"]!,
        "gate.weight": weights["experts.1.gate.weight"]!,
        "down.weight": weights["experts.1.down.weight"]!,
      },
    ).data.map((v) => 0.75 * v);
    expect(maxRelError(out!, one)).toBeLessThanOrEqual(TOLERANCE);
  });
});
