/**
 * Every weights code (E05xx, W0507, W0516; the weight-map codes from map-cases.ts) is produced by some bad input here, and renders as a header
 * line naming the file, then the notes and the hint (a weights file has no source to quote).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import { runWeightsInspect } from "../../src/cli/weights.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import { renderPretty } from "../../src/contracts/diagnostics/render.ts";
import { SourceSet } from "../../src/contracts/source.ts";
import { declaredWeights } from "../../src/formats/weights/declared.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { craft, rawFile, seededTensors, specIr } from "./helpers.ts";
import { MAP_CASES, runCase } from "./map-cases.ts";

const PATH = "w.safetensors";
const ir = specIr("specs/tiny-sandwich.loom");
const weights = () => seededTensors(declaredWeights(ir).map((w) => [w.name, w.shape]));

function produced(): Map<string, Diagnostic> {
  const found = new Map<string, Diagnostic>();
  const add = (diagnostics: Diagnostic[]) => {
    for (const d of diagnostics) if (!found.has(d.code)) found.set(d.code, d);
  };
  add(loadWeights(ir, PATH, craft("[]")).diagnostics); // E0501
  add(
    loadWeights(ir, PATH, craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}'))
      .diagnostics,
  ); // E0502
  add(
    loadWeights(
      ir,
      PATH,
      craft('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)),
    ).diagnostics,
  ); // E0503
  const tensors = weights();
  const first = declaredWeights(ir)[0]!;
  tensors.delete(first.name);
  const raw = [...tensors].map(([name, t]) => ({
    name,
    dtype: "F32",
    shape: t.shape,
    bytes: new Uint8Array(t.data.length * 4),
  }));
  add(
    loadWeights(
      ir,
      PATH,
      rawFile([
        ...raw,
        {
          name: first.name,
          dtype: "I32",
          shape: first.shape,
          bytes: new Uint8Array(first.shape.reduce((a, b) => a * b, 1) * 4),
        },
      ]),
    ).diagnostics,
  ); // E0504
  add(loadWeights(ir, PATH, writeSafetensors(tensors)).diagnostics); // E0505
  const reshaped = weights();
  reshaped.set(first.name, { shape: [1, ...first.shape], data: reshaped.get(first.name)!.data });
  add(loadWeights(ir, PATH, writeSafetensors(reshaped)).diagnostics); // E0506
  const extra = weights();
  extra.set("surplus", { shape: [2], data: new Float64Array(2) });
  add(loadWeights(ir, PATH, writeSafetensors(extra)).diagnostics); // W0507
  const nan = weights();
  nan.get(first.name)!.data[0] = NaN;
  add(loadWeights(ir, PATH, writeSafetensors(nan)).diagnostics); // E0509
  const io: Io = { stdout: () => {}, stderr: () => {}, isTty: false };
  const missing = join(tmpdir(), `loom-no-such-dir-${process.pid}`, "none.safetensors");
  let stderr = "";
  runWeightsInspect(missing, { json: false }, { ...io, stderr: (t) => (stderr += t) });
  if (stderr.includes("E0508")) found.set("E0508", { code: "E0508" } as Diagnostic);
  for (const c of Object.values(MAP_CASES)) add(runCase(c)); // E0510–W0516
  return found;
}

it("every E05xx code and W0507 is produced by some bad input", () => {
  // E054x are the tokenizer.json codes, produced in test/tokenizers/ (hub-errors, hub-bundle).
  const weightsCodes = Object.keys(CODES).filter(
    (c) => c.slice(1, 3) === "05" && !c.startsWith("E054"),
  );
  expect(weightsCodes).toEqual([
    "E0501",
    "E0502",
    "E0503",
    "E0504",
    "E0505",
    "E0506",
    "W0507",
    "E0508",
    "E0509",
    "E0510",
    "E0511",
    "E0512",
    "E0513",
    "E0514",
    "E0515",
    "W0516",
  ]);
  expect([...produced().keys()].sort()).toEqual([...weightsCodes].sort());
});

it("renders a header line with the file, then notes and hint", () => {
  const d = produced().get("E0506")!;
  const first = declaredWeights(ir)[0]!;
  const at = first.node.source;
  const n = declaredWeights(ir).length;
  expect(renderPretty([d], new SourceSet(), { color: false })).toBe(
    [
      `error[E0506]: weight shape mismatch: tensor \`${first.name}\` should be [${first.shape.join(", ")}], found [1, ${first.shape.join(", ")}]`,
      `  --> ${PATH}:1:1`,
      "   |",
      `   = note: [${first.shape.join(", ")}] is declared by \`${first.node.op}\` at ${at.file}:${at.line}:${at.column}`,
      `   = note: layout loom (the file holds ${n} of the spec's ${n} weight names)`,
      "   = hint: the spec's dims (width, heads, vocabulary, hidden size, layers) differ from the checkpoint's; make them match the checkpoint's config",
      "",
    ].join("\n"),
  );
});
