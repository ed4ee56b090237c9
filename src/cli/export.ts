import { exportModel, type ExportFormat } from "../api/export.ts";
import type { LayoutOption, WriteDtype } from "../api/options.ts";
import { EXIT, type Io } from "./io.ts";

export interface ExportCommandOptions {
  format: ExportFormat;
  out: string;
  weights?: string;
  initSeed: number;
  layout: LayoutOption;
  dtype: WriteDtype;
  force: boolean;
  model?: string;
}

/**
 * `loom export MODEL --format hf|onnx -o OUT`: a spec (with --weights, else seeded weights) or a
 * bundle, written for other runtimes (docs/export.md). Exit 0 when written; a model that cannot
 * be exported (E092x) or an output in the way reaches main() as a LoomError, which reports it.
 */
export async function runExport(
  model: string,
  opts: ExportCommandOptions,
  io: Io,
): Promise<number> {
  const exported = await exportModel(model, opts.out, {
    format: opts.format,
    initSeed: opts.initSeed,
    layout: opts.layout,
    dtype: opts.dtype,
    force: opts.force,
    ...(opts.weights !== undefined ? { weights: opts.weights } : {}),
    ...(opts.model !== undefined ? { model: opts.model } : {}),
  });
  const what = exported.modelType
    ? ` (${[...exported.files.keys()].join(", ")}): a Hugging Face ${exported.modelType} model, tensors in ${exported.layout} names`
    : ": an ONNX model (opset 17, float32; batch and sequence dims symbolic)";
  io.stderr(`wrote ${opts.out}${what}\n`);
  return EXIT.ok;
}
