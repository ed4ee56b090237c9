/** Bad weight maps, one per weight-map code (E0510–W0516), over the tf-tiny spec and checkpoint. */
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { parseWeightMap } from "../../src/formats/weights/map/parse.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { specIr } from "./helpers.ts";

export const MAP_PATH = "bad.weightmap.json";

/** A map file's text: the format line, then one rule a line (so rule i is on line 3 + i). */
export function mapText(rules: string[], extra = ""): string {
  return `{\n  "format": "loom-weight-map/1",${extra}\n  "rules": [\n${rules.map((r) => `    ${r}`).join(",\n")}\n  ]\n}\n`;
}

/** The diagnostics of parsing `text`, and of binding `tensors` with it when it parses. */
export function mapDiagnostics(text: string, tensors?: Map<string, Tensor>): Diagnostic[] {
  const parsed = parseWeightMap(text, MAP_PATH);
  if (!parsed.map || !tensors) return parsed.diagnostics;
  const ir = specIr("test/weights/maps/tf-tiny.loom");
  const bound = loadWeights(ir, "w.safetensors", writeSafetensors(tensors), {
    weightMap: parsed.map,
  });
  return [...parsed.diagnostics, ...bound.diagnostics];
}

/** A tensor whose element k is base + k. */
export function counting(shape: number[], base: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float64Array.from({ length: n }, (_, k) => base + k) };
}

/** The TensorFlow-style checkpoint of tf-tiny.loom (d 4, ffn 8), one base per tensor. */
export function tfCheckpoint(): Map<string, Tensor> {
  const l = "encoder/layer_0";
  return new Map([
    ["embeddings/word_embeddings:0", counting([10, 4], 1000)],
    [`${l}/attention/qkv/kernel:0`, counting([4, 12], 0)],
    [`${l}/attention/qkv/bias:0`, counting([12], 200)],
    [`${l}/attention/output/kernel:0`, counting([1, 1, 4, 4], 100)],
    [`${l}/attention/output/bias:0`, counting([4], 300)],
    [`${l}/ffn/conv1/kernel:0`, counting([1, 1, 4, 8], 400)],
    [`${l}/ffn/conv1/bias:0`, counting([8], 500)],
    [`${l}/ffn/conv2/kernel:0`, counting([1, 1, 8, 4], 600)],
    [`${l}/ffn/conv2/bias:0`, counting([4], 700)],
    [`${l}/ln_1/gamma:0`, counting([4], 800)],
    [`${l}/ln_1/beta:0`, counting([4], 810)],
    [`${l}/ln_2/gamma:0`, counting([4], 820)],
    [`${l}/ln_2/beta:0`, counting([4], 830)],
  ]);
}

const tensor = (shape: number[]): Tensor => ({
  shape,
  data: new Float64Array(shape.reduce((a, b) => a * b, 1)),
});

/** A bad map (and a checkpoint to bind with it) for each code. */
export interface MapCase {
  text: string;
  tensors?: Map<string, Tensor>;
}

/** One input per code, each producing that code (among others). */
export const MAP_CASES: Record<string, MapCase> = {
  E0510: { text: '{ "format": "loom-weight-map/1", }' },
  E0511: { text: mapText(['{ "from": "a/*", "to": "x.{2}" }']) },
  E0512: {
    text: mapText(['{ "from": "a", "to": "b" }']),
    tensors: new Map([
      ["a", tensor([4])],
      ["b", tensor([4])],
    ]),
  },
  E0513: {
    text: mapText(['{ "from": "k", "to": "tok.weight", "transforms": [{ "squeeze": [0] }] }']),
    tensors: new Map([["k", tensor([10, 4])]]),
  },
  E0514: {
    text: mapText(['{ "from": "emb", "to": "tok.weight" }']),
    tensors: new Map([["emb", tensor([4, 10])]]),
  },
  E0515: {
    text: readFileSync("test/weights/maps/tf-tiny.weightmap.json", "utf8"),
    tensors: new Map([...tfCheckpoint(), ["global_step:0", tensor([1])]]),
  },
  W0516: {
    text: mapText([
      '{ "from": "emb", "to": "tok.weight" }',
      '{ "from": "nothing/*", "to": "n.{1}" }',
    ]),
    tensors: new Map([["emb", tensor([10, 4])]]),
  },
};

/** The diagnostics of one case. */
export function runCase(c: MapCase): Diagnostic[] {
  return mapDiagnostics(c.text, c.tensors);
}
