/**
 * Exporting a model to the formats servers read (docs/export.md): a Hugging Face directory
 * (config.json + model.safetensors in the family's tensor names) or an ONNX model. In memory
 * (`exportToMemory`) or to disk (`exportModel`, written atomically, never over an existing
 * output without `force`).
 */
import { exportHfConfig } from "../compiler/export/hf/export.ts";
import type { ExportFormat } from "../compiler/export/formats.ts";
import type { WriteDtype } from "../formats/weights/dtypes.ts";
import { layoutTensors } from "../formats/weights/export.ts";
import { LAYOUT_METADATA_KEY } from "../formats/weights/layouts/index.ts";
import type { LayoutOption } from "../formats/weights/layouts/map.ts";
import { writeSafetensors } from "../formats/weights/safetensors.ts";
import {
  OutputExistsError,
  writeOutputDirectory,
  writeOutputFile,
} from "../formats/files/write-output.ts";
import { LoomError, throwOnErrors } from "./errors.ts";
import { loadModel, type LoadedModel } from "./model.ts";

export { EXPORT_FORMATS, type ExportFormat } from "../compiler/export/formats.ts";

/** The files of a Hugging Face export. */
export const HF_CONFIG_FILE = "config.json";
export const HF_WEIGHTS_FILE = "model.safetensors";
/** The file of an ONNX export, in memory (on disk it is written to OUT itself). */
export const ONNX_FILE = "model.onnx";

export interface ExportOptions {
  format: ExportFormat;
  /** Weights for a spec (a safetensors path or bytes); without them, seeded weights. */
  weights?: string | Uint8Array;
  /** Seed of the initialiser when there are no weights (default 0). */
  initSeed?: number;
  /** Tensor naming of `weights` (default: recognised from the names). */
  layout?: LayoutOption;
  /** Which model, when the spec file defines several. */
  model?: string;
  /** The dtype of the written weights (default f32). */
  dtype?: WriteDtype;
}

/** An export in memory: file names (relative to the output) and their bytes. */
export interface ExportedModel {
  format: ExportFormat;
  /** For hf: config.json and model.safetensors; for onnx: one file, model.onnx. */
  files: Map<string, Uint8Array>;
  /** The Hugging Face `model_type` (hf only). */
  modelType?: string;
  /** The weight layout the safetensors names follow (hf only). */
  layout?: string;
}

/** A loaded model's Hugging Face directory: config.json and model.safetensors. */
async function exportHuggingFace(
  model: LoadedModel,
  dtype: WriteDtype = "f32",
): Promise<ExportedModel> {
  const { ir, sources } = model;
  const result = await exportHfConfig(ir);
  throwOnErrors(`cannot export ${ir.model} as a Hugging Face model`, result.diagnostics, sources);
  const hf = result.config!;
  const names = new Set(hf.prefixedName ? [hf.prefixedName] : []);
  const tensors = layoutTensors(ir, hf.layout, model.weights, names, HF_WEIGHTS_FILE);
  throwOnErrors(`cannot export the weights of ${ir.model}`, tensors.diagnostics, sources);
  const config = new TextEncoder().encode(`${JSON.stringify(hf.config, null, 2)}\n`);
  const weights = writeSafetensors(tensors.tensors!, {
    dtype,
    metadata: { format: "pt", [LAYOUT_METADATA_KEY]: hf.layout },
  });
  return {
    format: "hf",
    files: new Map([
      [HF_CONFIG_FILE, config],
      [HF_WEIGHTS_FILE, weights],
    ]),
    modelType: hf.modelType,
    layout: hf.layout,
  };
}

/** A loaded model in `format`, in memory (`dtype` applies to hf; ONNX weights are float32). */
export async function exportToMemory(
  model: LoadedModel,
  format: ExportFormat,
  dtype?: WriteDtype,
): Promise<ExportedModel> {
  switch (format) {
    case "hf":
      return exportHuggingFace(model, dtype);
    case "onnx": {
      // Loaded on use: the protobuf classes cost every importer of the API ~35 ms otherwise.
      const { exportOnnx } = await import("../compiler/export/onnx/export.ts");
      const result = exportOnnx(model.ir, model.weights);
      throwOnErrors(`cannot export ${model.ir.model} as ONNX`, result.diagnostics, model.sources);
      return { format, files: new Map([[ONNX_FILE, result.bytes!]]) };
    }
  }
}

/**
 * Exports a spec (with its weights) or a compiled bundle to `out`: a directory for hf, a file
 * for onnx. Throws a LoomError (E092x) when the model cannot be exported or `out` is in the way.
 */
export async function exportModel(
  path: string,
  out: string,
  options: ExportOptions & { force?: boolean },
): Promise<ExportedModel> {
  const model = loadModel(path, {
    backend: "cpu",
    initSeed: options.initSeed ?? 0,
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
    ...(options.layout ? { layout: options.layout } : {}),
    ...(options.model ? { model: options.model } : {}),
  });
  const exported = await exportToMemory(model, options.format, options.dtype);
  const force = options.force ?? false;
  try {
    if (options.format === "hf") writeOutputDirectory(out, exported.files, force);
    else writeOutputFile(out, [...exported.files.values()][0]!, force);
  } catch (error) {
    const message =
      error instanceof OutputExistsError
        ? error.message
        : `cannot write \`${out}\`: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    throw new LoomError(message, { kind: "usage", code: "E0923" });
  }
  return exported;
}
