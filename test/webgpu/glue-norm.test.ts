import { afterAll, describe, expect, it } from "vitest";
import { residualNormKernel, type ResidualSum } from "../../src/compiler/codegen/residual-norm.ts";
import { normKernel, type NormOptions } from "../../src/compiler/codegen/norm.ts";
import { softmaxKernel } from "../../src/compiler/codegen/softmax.ts";
import {
  ErrorLog,
  TOLERANCE,
  glueDevice,
  maxRelError,
  randomF32,
  reference,
  ROWS,
  run,
  tensorOf,
  uniform,
  WIDTHS,
} from "./glue-helpers.ts";

const device = await glueDevice();
const log = new ErrorLog();

const NORMS: NormOptions[] = [
  { kind: "layernorm", d: 0, eps: 1e-5 },
  { kind: "layernorm", d: 0, eps: 1e-6, bias: false },
  { kind: "rmsnorm", d: 0, eps: 1e-5 },
  { kind: "layernorm", d: 0, eps: 1e-5, threadPerRow: 16 },
  { kind: "layernorm", d: 0, eps: 1e-6, bias: false, threadPerRow: 4 },
  { kind: "rmsnorm", d: 0, eps: 1e-5, threadPerRow: 16 },
];

/** The reference norm of [rows, d] values. */
function referenceNorm(
  options: NormOptions,
  rows: number,
  x: ArrayLike<number>,
  w: Float32Array,
  b: Float32Array,
) {
  const { kind, d, eps } = options;
  const weights = {
    weight: tensorOf([d], w),
    ...(kind === "layernorm" && options.bias !== false ? { bias: tensorOf([d], b) } : {}),
  };
  return reference(kind, { eps }, { x: tensorOf([rows, d], x) }, weights).data;
}

describe.skipIf(!device)("norm kernels vs the reference", () => {
  afterAll(() => log.report("norms"));

  for (const base of NORMS) {
    const layout = base.threadPerRow
      ? `, one thread per row (${base.threadPerRow} a workgroup)`
      : "";
    const label = `${base.kind}${base.bias === false ? " (no bias)" : ""}${layout}`;
    it(`${label} at widths ${WIDTHS.join(", ")} and rows ${ROWS.join(", ")}`, async () => {
      const next = uniform(11);
      for (const d of WIDTHS) {
        const options = { ...base, d };
        const kernel = normKernel(options);
        const weight = randomF32(d, () => next(0.5, 1.5));
        const bias = randomF32(d, () => next());
        for (const rows of ROWS) {
          // an offset mean makes a one-pass variance visibly wrong
          const x = randomF32(rows * d, () => next(-3, 3) + 4);
          const data = { x, weight, bias, out: new Float32Array(rows * d) };
          const { out } = await run(kernel, data, { rows });
          const want = referenceNorm(options, rows, x, weight, bias);
          expect(log.note(label, maxRelError(out!, want))).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    });
  }

  const SUMS: ResidualSum[] = ["separate", "in-place", "none"];
  for (const base of NORMS) {
    for (const sum of SUMS) {
      const layout = base.threadPerRow
        ? `, one thread per row (${base.threadPerRow} a workgroup)`
        : "";
      const label = `residual + ${base.kind}${base.bias === false ? " (no bias)" : ""}, sum ${sum}${layout}`;
      it(label, async () => {
        const next = uniform(23);
        for (const d of WIDTHS) {
          const options = { ...base, d, sum };
          const kernel = residualNormKernel(options);
          const weight = randomF32(d, () => next(0.5, 1.5));
          const bias = randomF32(d, () => next());
          for (const rows of ROWS) {
            const x = randomF32(rows * d, () => next(-3, 3) + 2);
            const branch = randomF32(rows * d, () => next(-1, 1));
            const data = {
              x: Float32Array.from(x),
              branch,
              weight,
              bias,
              sum: new Float32Array(rows * d),
              out: new Float32Array(rows * d),
            };
            const result = await run(kernel, data, { rows });
            const wantSum = reference(
              "add",
              {},
              { a: tensorOf([rows, d], x), b: tensorOf([rows, d], branch) },
            ).data;
            const wantOut = referenceNorm(options, rows, wantSum, weight, bias);
            expect(
              log.note(`residual ${base.kind}`, maxRelError(result["out"]!, wantOut)),
            ).toBeLessThanOrEqual(TOLERANCE);
            if (sum === "separate")
              expect(maxRelError(result["sum"]!, wantSum)).toBeLessThanOrEqual(TOLERANCE);
            if (sum === "in-place")
              expect(maxRelError(result["x"]!, wantSum)).toBeLessThanOrEqual(TOLERANCE);
            if (sum === "none") expect(Object.keys(result).sort()).toEqual(["out"]);
          }
        }
      });
    }
  }

  it("softmax over the last axis, scaled, and rows of -inf", async () => {
    const next = uniform(31);
    for (const d of [...WIDTHS, 1000]) {
      for (const scale of [1, 0.125]) {
        const kernel = softmaxKernel({ d, scale });
        for (const rows of ROWS) {
          const x = randomF32(rows * d, () => next(-20, 20));
          if (d > 1) x.fill(-Infinity, 0, d); // a row with nothing left: zeros
          if (d > 3) x[d + 2] = -Infinity; // a masked entry: 0
          const { out } = await run(kernel, { x, out: new Float32Array(rows * d) }, { rows });
          const scaled = Array.from(x, (v) => v * scale);
          const want = reference("softmax", {}, { x: tensorOf([rows, d], scaled) }).data;
          expect(log.note("softmax", maxRelError(out!, want))).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    }
  });
});
