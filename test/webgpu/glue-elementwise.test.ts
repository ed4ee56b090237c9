import { afterAll, describe, expect, it } from "vitest";
import { erf } from "../../src/runtime/reference/math.ts";
import type { Kernel } from "../../src/contracts/kernel.ts";
import {
  binaryKernel,
  unaryKernel,
  type BinaryOp,
  type OperandShape,
  type UnaryOp,
} from "../../src/compiler/codegen/elementwise.ts";
import { erfWgsl, f32Literal } from "../../src/compiler/codegen/elementwise-wgsl.ts";
import {
  ErrorLog,
  TOLERANCE,
  LAYOUTS,
  glueDevice,
  maxRelError,
  randomF32,
  reference,
  run,
  tensorOf,
  uniform,
  WIDTHS,
} from "./glue-helpers.ts";

const device = await glueDevice();
const log = new ErrorLog();

/** The reference shape of an operand of [batch, seq, d]. */
function shapeOf(shape: OperandShape, batch: number, seq: number, d: number): number[] {
  return {
    full: [batch, seq, d],
    seq: [seq, d],
    batch: [batch, 1, d],
    vector: [d],
    row: [batch, seq],
    scalar: [1],
  }[shape];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe.skipIf(!device)("elementwise kernels vs the reference", () => {
  afterAll(() => log.report("elementwise"));

  const CASES: [BinaryOp, OperandShape, OperandShape, boolean][] = [
    ["add", "full", "full", false],
    ["add", "full", "seq", false],
    ["add", "seq", "full", false],
    ["sub", "full", "batch", false],
    ["sub", "vector", "full", false],
    ["mul", "full", "vector", false],
    ["mul", "scalar", "full", false],
    ["add", "full", "seq", true],
    ["mul", "full", "full", true],
    ["mul", "full", "row", false],
    ["div", "full", "row", false],
  ];
  for (const [op, a, b, inPlace] of CASES) {
    it(`${op} of ${a} and ${b}${inPlace ? " in place" : ""}`, async () => {
      const next = uniform(41);
      for (const d of WIDTHS) {
        const kernel = binaryKernel({ op, d, a, b, inPlace });
        for (const [batch, seq] of LAYOUTS) {
          const rows = batch * seq;
          const sa = shapeOf(a, batch, seq, d);
          const sb = shapeOf(b, batch, seq, d);
          const va = randomF32(size(sa), () => next(-4, 4));
          const vb = randomF32(size(sb), () => next(-4, 4));
          const data = { a: Float32Array.from(va), b: vb, out: new Float32Array(rows * d) };
          const result = await run(kernel, data, { rows, seq });
          const attrs = a === "row" || b === "row" ? { align: "left" } : {};
          const want = reference(op, attrs, { a: tensorOf(sa, va), b: tensorOf(sb, vb) });
          expect(want.data.length).toBe(rows * d);
          const got = inPlace ? result["a"]! : result["out"]!;
          expect(log.note(op, maxRelError(got, want.data))).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    });
  }

  const UNARY: UnaryOp[] = ["scale", "gelu", "gelu_tanh", "relu", "silu", "tanh"];
  for (const op of UNARY) {
    it(`${op}, including large inputs`, async () => {
      const next = uniform(43);
      for (const d of WIDTHS) {
        for (const inPlace of [false, true]) {
          const kernel = unaryKernel({ op, d, factor: 0.35355339, inPlace });
          for (const rows of [1, 5, 17]) {
            const x = randomF32(rows * d, () => next(-6, 6));
            // far tails: no NaN, no overflow
            [-100, -30, -9, 9, 30, 100].forEach((v, i) => i < x.length && (x[i] = v));
            const data = { x: Float32Array.from(x), out: new Float32Array(rows * d) };
            const result = await run(kernel, data, { rows });
            const attrs = op === "scale" ? { factor: 0.35355339 } : {};
            const want = reference(op, attrs, { x: tensorOf([rows, d], x) }).data;
            const got = inPlace ? result["x"]! : result["out"]!;
            expect(log.note(op, maxRelError(got, want))).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      }
    });
  }

  it("erf is within 2.5e-7 of float64 erf over [-6, 6]", async () => {
    const n = 24001;
    const x = Float32Array.from({ length: n }, (_, i) => -6 + (12 * i) / (n - 1));
    const kernel: Kernel = {
      name: "erf_probe",
      wgsl: `${erfWgsl()}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < ${n}u) {
    out[id.x] = loom_erf(x[id.x]);
  }
}
`,
      entryPoint: "main",
      bindings: [
        { name: "x", access: "read" },
        { name: "out", access: "read_write" },
      ],
      workgroupSize: [64, 1, 1],
      workgroupStorageBytes: 0,
      dispatch: [Math.ceil(n / 64), 1, 1],
      params: [],
    };
    const { out } = await run(kernel, { x, out: new Float32Array(n) }, {});
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out![i]! - erf(x[i]!)));
    log.note("erf (absolute)", worst);
    expect(worst).toBeLessThanOrEqual(2.5e-7);
  });

  it("writes f32 literals WGSL accepts", () => {
    expect(f32Literal(2)).toBe("2.0");
    expect(f32Literal(1e-5)).toBe("0.00001");
    expect(f32Literal(1e-7)).toBe("1e-7");
    expect(f32Literal(0.1)).toBe("0.1");
    expect(Math.fround(Number(f32Literal(Math.PI)))).toBe(Math.fround(Math.PI));
    expect(f32Literal(-0.5)).toBe("-0.5");
    expect(() => f32Literal(Infinity)).toThrow(RangeError);
  });

  it("refuses an in-place write into a broadcast operand", () => {
    expect(() => binaryKernel({ op: "add", d: 4, a: "seq", inPlace: true })).toThrow(RangeError);
  });
});
