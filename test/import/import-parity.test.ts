// `loom import` against PyTorch: each case in parity/ is a hand-written tiny Hugging Face config,
// and parity/make_import_fixtures.py built that model in PyTorch the way transformers computes it,
// with weights under the family's Hugging Face names. The config is imported, the weights bound
// through the layout the import names, the CPU reference executor run, and every output must
// equal PyTorch's within 1e-4.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { importHuggingFaceConfig } from "../../src/api/import.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights, type LoadOptions } from "../../src/formats/weights/load.ts";
import { readSafetensors } from "../../src/formats/weights/safetensors.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CASES = join(ROOT, "test/import/parity");
/** Largest |Loom − PyTorch| allowed for any output element. */
const TOLERANCE = 1e-4;
/** The fixtures together stay below this (parity/make_import_fixtures.py checks it too). */
const SIZE_LIMIT = 1024 * 1024;

function readBytes(path: string): Uint8Array {
  const file = readFileSync(path);
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}

/** What make_import_fixtures.py wrote for one case: inputs, PyTorch's outputs, metadata. */
function readCase(name: string) {
  const path = join(CASES, `${name}.io.safetensors`);
  const { tensors, metadata, diagnostics } = readSafetensors(readBytes(path), path);
  expect(diagnostics).toEqual([]);
  const pick = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(
      [...(tensors ?? [])]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, t]) => [key.slice(prefix.length), t]),
    );
  return { metadata, inputs: pick("input."), outputs: pick("output.") };
}

/** max |a − b|; Infinity when the shapes differ or a value is not finite. */
function maxError(actual: Tensor, expected: Tensor): number {
  if (actual.shape.join(",") !== expected.shape.join(",")) return Infinity;
  let max = 0;
  expected.data.forEach((e, i) => {
    const error = Math.abs(actual.data[i]! - e);
    max = Number.isNaN(error) ? Infinity : Math.max(max, error);
  });
  return max;
}

const cases = readdirSync(CASES)
  .filter((f) => f.endsWith(".config.json"))
  .map((f) => f.slice(0, -".config.json".length))
  .sort();
const report: string[] = [];

afterAll(() => {
  if (report.length) console.log(`loom import vs PyTorch (float64):\n${report.join("\n")}`);
});

describe("imported specs run Hugging Face weights as PyTorch does", () => {
  it("has at least three families, within the size limit", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
    const total = readdirSync(CASES).reduce((n, f) => n + statSync(join(CASES, f)).size, 0);
    expect(total).toBeLessThan(SIZE_LIMIT);
  });

  for (const name of cases) {
    it(`${name}: imported spec, HF weights, reference executor`, async () => {
      const configPath = join(CASES, `${name}.config.json`);
      const imported = await importHuggingFaceConfig(readFileSync(configPath, "utf8"), configPath);
      const fixture = readCase(name);
      expect(imported.layout).toBe(fixture.metadata["layout"]);

      const checked = checkSpec("imported.loom", () => imported.spec);
      expect(checked.diagnostics).toEqual([]);
      const ir = checked.models[0]!.ir!;
      const weightsPath = join(CASES, `${name}.safetensors`);
      const bound = loadWeights(ir, weightsPath, readBytes(weightsPath), {
        layout: imported.layout as LoadOptions["layout"],
      });
      // Every tensor of the checkpoint binds: none missing, misshapen or left over.
      expect(bound.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);

      const outputs = new ReferenceExecutor(ir, bound.weights!).run(fixture.inputs);
      expect(Object.keys(outputs).sort()).toEqual(Object.keys(fixture.outputs).sort());
      for (const [output, expected] of Object.entries(fixture.outputs)) {
        const error = maxError(outputs[output]!, expected);
        report.push(`  ${`${name}.${output}`.padEnd(16)} max error ${error.toExponential(2)}`);
        expect(error, `${name}.${output}: max |Loom − PyTorch|`).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
