/**
 * A bundle's packed weights (weights.formats): each stored as U32 [rows, words per row], unpacked
 * to the values the kernels compute with, for the CPU reference and for checks (E0652). The
 * words themselves are kept: the runtime uploads them as they are.
 */
import type { BundleManifest } from "../../contracts/bundle/manifest.ts";
import { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { rowWords } from "../../contracts/weight-format.ts";
import { firstUnrepresentable, unpackMatrix } from "../quantize/index.ts";
import { declaredWeights } from "../weights/declared.ts";
import { fileSpan, tensorWords, type SafetensorsFile } from "../weights/safetensors.ts";
import { RECOMPILE } from "./manifest-check.ts";

/** The packed weights of a bundle: their words and the values they stand for. */
export interface PackedBundleWeights {
  words: Map<string, Uint32Array>;
  unpacked: Map<string, Tensor>;
}

/** Reads every tensor weights.formats names; reports E0652 for each that is not as recorded. */
export function readPackedWeights(
  manifest: BundleManifest,
  file: SafetensorsFile,
  bag: DiagnosticBag,
): PackedBundleWeights | undefined {
  const declared = new Map(declaredWeights(manifest.ir).map((w) => [w.name, w.shape]));
  const infos = new Map(file.header.tensors.map((t) => [t.name, t]));
  const span = fileSpan(file.header.path);
  const words = new Map<string, Uint32Array>();
  const unpacked = new Map<string, Tensor>();
  let ok = true;
  const report = (message: string, notes: string[]) => {
    ok = false;
    bag.report("E0652", span, message, {
      notes,
      hint: `the weights file was rewritten; ${RECOMPILE}`,
    });
  };
  for (const [name, format] of Object.entries(manifest.weights.formats)) {
    const shape = declared.get(name);
    const info = infos.get(name);
    if (!shape || shape.length !== 2) {
      report(
        `weights.formats packs \`${name}\` as ${format}, but the IR declares no such matrix`,
        [],
      );
      continue;
    }
    const [n, k] = shape as [number, number];
    const expected = [n, rowWords(format, k)];
    if (!info || info.dtype !== "U32" || info.shape.join() !== expected.join()) {
      report(
        `tensor \`${name}\` should be ${format} words, U32 [${expected.join(", ")}], but the file ${info ? `has ${info.dtype} [${info.shape.join(", ")}]` : "does not hold it"}`,
        [`the IR declares it as [${n}, ${k}]; weights.formats gives it ${format}`],
      );
      continue;
    }
    const packed = tensorWords(file, info);
    const values = unpackMatrix(format, packed, shape);
    const bad = firstUnrepresentable(values);
    if (bad >= 0) {
      report(`tensor \`${name}\` (${format}) unpacks to ${values[bad]} at element ${bad}`, [
        "a packed weight is always finite when Loom writes it",
      ]);
      continue;
    }
    words.set(name, packed);
    unpacked.set(name, { shape: [n, k], data: values });
  }
  return ok ? { words, unpacked } : undefined;
}

/** The IR without the weights named: what the unpacked part of the weights file is bound to. */
export function withoutWeights(ir: TypedIr, names: ReadonlySet<string>): TypedIr {
  return {
    ...ir,
    nodes: ir.nodes.map((node) => ({
      ...node,
      weights: node.weights.filter((w) => !names.has(`${node.name}.${w.name}`)),
    })),
  };
}
