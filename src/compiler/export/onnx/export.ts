/**
 * `loom export --format onnx`: a typed IR and its weights as an ONNX model (opset 17), written
 * with the protobuf classes of `onnx-proto`. The graph computes one forward pass over whole
 * inputs, as the reference executor's `run` without a decode state; symbolic dims (`batch`,
 * `seq`) stay symbolic (dim_param), and the tables that depend on positions are made at the
 * sequence's bound. A layer without a translation is E0924, at the layer's line.
 */
import { COMPILER_VERSION } from "../../../contracts/bundle/version.ts";
import { DiagnosticBag, type Diagnostic } from "../../../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../../contracts/ir/schema.ts";
import { sizeOf, type Tensor } from "../../../contracts/tensor.ts";
import { declaredWeights } from "../../../formats/weights/declared.ts";
import { OnnxContext, Untranslatable } from "./context.ts";
import { OnnxGraph, type ElemType } from "./graph.ts";
import { TRANSLATIONS } from "./layers.ts";

export interface OnnxExportResult {
  /** The model file's bytes; absent when there are errors. */
  bytes?: Uint8Array;
  diagnostics: Diagnostic[];
}

/** Protobuf messages, and so ONNX files without external data, are at most 2 GiB. */
const MAX_PROTOBUF_BYTES = 2 ** 31 - 2 ** 20;

const ELEM: Record<string, ElemType> = { int: "int64", bool: "bool", float: "float" };

/** The ONNX model of a checked spec with its weights (by Loom full name). */
export function exportOnnx(ir: TypedIr, weights: ReadonlyMap<string, Tensor>): OnnxExportResult {
  const bag = new DiagnosticBag();
  const bytes = declaredWeights(ir).reduce((n, w) => n + 4 * sizeOf(w.shape), 0);
  if (bytes > MAX_PROTOBUF_BYTES) {
    const first = ir.nodes[0]!.source;
    bag.report(
      "E0924",
      { file: first.file, start: first.start, end: first.end },
      `the model \`${ir.model}\` has ${(bytes / 2 ** 30).toFixed(1)} GiB of float32 weights, more than one ONNX file holds (2 GiB)`,
      {
        notes: [
          "ONNX keeps larger weights as external data files, which the exporter does not write yet",
        ],
        hint: "export it with `--format hf` (vLLM and TGI shard it across GPUs), or export a smaller variant",
      },
    );
    return { diagnostics: bag.items };
  }
  const graph = new OnnxGraph(ir.model);
  const c = new OnnxContext(graph, ir, weights);
  for (const input of ir.inputs) {
    graph.input(input.name, ELEM[input.dtype] ?? "float", input.shape);
    c.values.set(input.value, input.name);
  }
  // Values of nodes already reported: what reads them is skipped, not reported again.
  const failed = new Set<number>();
  for (const node of ir.nodes) {
    if (Object.values(node.inputs).some((id) => failed.has(id))) {
      failed.add(node.output);
      continue;
    }
    failed.add(node.output);
    const translate = TRANSLATIONS[node.op];
    const at = { file: node.source.file, start: node.source.start, end: node.source.end };
    if (!translate) {
      bag.report("E0924", at, `the layer \`${node.op}\` has no ONNX translation`, {
        label: `\`${node.name}\``,
        hint: `the exporter translates ${Object.keys(TRANSLATIONS).join(", ")}`,
      });
      continue;
    }
    try {
      c.values.set(node.output, translate(c, node));
      failed.delete(node.output);
    } catch (error) {
      if (!(error instanceof Untranslatable)) throw error;
      bag.report(
        "E0924",
        at,
        `\`${node.name}\` (${node.op}) cannot be written in ONNX: ${error.message}`,
        {
          label: error.message,
          hint: "change the layer as the message says, or leave it out of the exported spec",
        },
      );
    }
  }
  if (bag.hasErrors) return { diagnostics: bag.items };
  for (const output of ir.outputs) {
    const shape = ir.values.find((v) => v.id === output.value)?.shape ?? [];
    graph.output(output.name, c.values.get(output.value)!, shape);
  }
  return { bytes: graph.encode(COMPILER_VERSION), diagnostics: bag.items };
}
