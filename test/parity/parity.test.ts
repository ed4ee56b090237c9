// The CPU reference executor against PyTorch: each fixture in fixtures/ is a tiny model built in
// PyTorch by parity/make_fixtures.py (weights, inputs and float64 outputs) with its Loom spec in
// specs/. The spec is checked, the weights loaded through the weight loader in the fixture's
// layout (Hugging Face names where the family has them), and the executor's outputs must equal
// PyTorch's within 1e-4 everywhere, for a whole-sequence pass and, for decoders, for decoding with
// a KV cache (a prefix, then one position at a time).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import {
  newDecodeState,
  ReferenceExecutor,
  type WeightMap,
} from "../../src/runtime/reference/executor.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights, type LoadOptions } from "../../src/formats/weights/load.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = join(ROOT, "test/parity/fixtures");
/** Largest |Loom − PyTorch| allowed for any output element. */
const TOLERANCE = 1e-4;
/** All fixtures together stay below this, so the repository stays small. */
const SIZE_LIMIT = 5 * 1024 * 1024;

/** One case: what `make_fixtures.py` wrote to `<case>.io.safetensors`. */
interface Fixture {
  name: string;
  /** The spec, relative to the repository root. */
  spec: string;
  model: string;
  layout: string;
  /** For decoders: the input that grows, and how many positions the first step takes. */
  decode?: { step_input: string; prefix: number };
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
}

/** Reads a safetensors file of float64 tensors (the fixtures' inputs and outputs). */
function readFloat64Safetensors(path: string): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    unknown
  >;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    if (dtype !== "F64") throw new Error(`${path}: ${name} is ${dtype}, expected F64`);
    const [start, end] = data_offsets;
    const data = new Float64Array((end - start) / 8);
    for (let i = 0; i < data.length; i++)
      data[i] = view.getFloat64(dataStart + start + i * 8, true);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

function readFixture(ioPath: string): Fixture {
  const { tensors, metadata } = readFloat64Safetensors(ioPath);
  const pick = (prefix: string) =>
    Object.fromEntries(
      [...tensors]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, t]) => [name.slice(prefix.length), t]),
    );
  return {
    name: metadata["case"]!,
    spec: metadata["spec"]!,
    model: metadata["model"]!,
    layout: metadata["layout"]!,
    ...(metadata["decode"] ? { decode: JSON.parse(metadata["decode"]) } : {}),
    inputs: pick("input."),
    outputs: pick("output."),
  };
}

function checkedIr(fixture: Fixture): TypedIr {
  const result = checkSpec(join(ROOT, fixture.spec), (path) => readFileSync(path, "utf8"));
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const ir = result.models.find((m) => m.name === fixture.model)?.ir;
  if (!ir) throw new Error(`${fixture.spec}: model \`${fixture.model}\` has no typed IR`);
  return ir;
}

function loadFixtureWeights(fixture: Fixture, ir: TypedIr): WeightMap {
  const path = join(FIXTURES, `${fixture.name}.safetensors`);
  const file = readFileSync(path);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const result = loadWeights(ir, path, bytes, {
    layout: fixture.layout as LoadOptions["layout"],
  });
  // A fixture file holds exactly a checkpoint's weights: every tensor must bind, none be ignored.
  const problems = result.diagnostics
    .filter((d) => d.severity === "error" || d.severity === "warning")
    .map((d) => `${d.severity} ${d.code}: ${d.message}`);
  expect(problems, `${fixture.name}: loading ${fixture.layout} weights`).toEqual([]);
  if (!result.weights) throw new Error(`${path}: no weights loaded\n${problems.join("\n")}`);
  return result.weights;
}

/** max |a − b| over every element; Infinity when shapes differ or a value is not finite. */
function maxError(actual: Tensor, expected: Tensor): number {
  if (actual.shape.join(",") !== expected.shape.join(",")) return Infinity;
  let max = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const error = Math.abs(actual.data[i]! - expected.data[i]!);
    if (!(error <= max)) max = Number.isNaN(error) ? Infinity : error;
  }
  return max;
}

/** Positions [from, to) of axis 1 of a [B, S, ...] tensor. */
function sliceSeq(t: Tensor, from: number, to: number): Tensor {
  const [batch, seq] = t.shape as [number, number];
  const inner = t.data.length / (batch * seq);
  const data = new Float64Array(batch * (to - from) * inner);
  for (let b = 0; b < batch; b++)
    data.set(
      t.data.subarray((b * seq + from) * inner, (b * seq + to) * inner),
      b * (to - from) * inner,
    );
  return { shape: [batch, to - from, ...t.shape.slice(2)], data };
}

/** Concatenates [B, S_i, ...] tensors along axis 1. */
function concatSeq(parts: Tensor[]): Tensor {
  const [batch] = parts[0]!.shape as [number];
  const rest = parts[0]!.shape.slice(2);
  const inner = rest.reduce((a, b) => a * b, 1);
  const seq = parts.reduce((n, p) => n + p.shape[1]!, 0);
  const data = new Float64Array(batch * seq * inner);
  let at = 0;
  for (const part of parts) {
    const s = part.shape[1]!;
    for (let b = 0; b < batch; b++)
      data.set(part.data.subarray(b * s * inner, (b + 1) * s * inner), (b * seq + at) * inner);
    at += s;
  }
  return { shape: [batch, seq, ...rest], data };
}

const ioFiles = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".io.safetensors"))
  .sort();
const fixtures = ioFiles.map((f) => readFixture(join(FIXTURES, f)));
const report: string[] = [];

afterAll(() => {
  if (report.length) console.log(`Loom reference vs PyTorch (float64):\n${report.join("\n")}`);
});

describe("reference executor vs PyTorch", () => {
  it("has fixtures, within the size limit", () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const total = readdirSync(FIXTURES).reduce((n, f) => n + statSync(join(FIXTURES, f)).size, 0);
    expect(total).toBeLessThan(SIZE_LIMIT);
  });

  for (const fixture of fixtures) {
    it(`${fixture.name} (${fixture.layout} layout): whole sequence`, () => {
      const ir = checkedIr(fixture);
      const executor = new ReferenceExecutor(ir, loadFixtureWeights(fixture, ir));
      const outputs = executor.run(fixture.inputs);
      for (const [name, expected] of Object.entries(fixture.outputs)) {
        const actual = outputs[name];
        if (!actual) throw new Error(`${fixture.name}: no output \`${name}\``);
        expect(actual.shape).toEqual(expected.shape);
        const error = maxError(actual, expected);
        report.push(
          `  ${`${fixture.name}.${name}`.padEnd(30)} max error ${error.toExponential(2)}`,
        );
        expect(error, `${fixture.name}.${name}: max |Loom − PyTorch|`).toBeLessThanOrEqual(
          TOLERANCE,
        );
      }
    });

    const decode = fixture.decode;
    if (!decode) continue;
    it(`${fixture.name} (${fixture.layout} layout): KV-cached decoding`, () => {
      const ir = checkedIr(fixture);
      const executor = new ReferenceExecutor(
        ir,
        loadFixtureWeights(fixture, ir),
        decode.step_input,
      );
      const steps = fixture.inputs[decode.step_input]!;
      const length = steps.shape[1]!;
      const state = newDecodeState();
      const [outputName, expected] = Object.entries(fixture.outputs)[0]!;
      const parts: Tensor[] = [];
      for (let from = 0; from < length;) {
        const to = from === 0 ? decode.prefix : from + 1;
        const inputs = { ...fixture.inputs, [decode.step_input]: sliceSeq(steps, from, to) };
        parts.push(executor.run(inputs, state)[outputName]!);
        from = to;
      }
      expect(state.offset).toBe(length);
      const error = maxError(concatSeq(parts), expected);
      report.push(
        `  ${`${fixture.name}.${outputName} (decode)`.padEnd(30)} max error ${error.toExponential(2)}`,
      );
      expect(
        error,
        `${fixture.name}: decoded ${outputName}, max |Loom − PyTorch|`,
      ).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
