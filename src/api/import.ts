/** Importing a Hugging Face config.json as a checked, formatted Loom spec (docs/import.md). */
import { importHfConfig, type HfImportOptions } from "../compiler/import/hf/import.ts";
import { LoomError, throwOnErrors } from "./errors.ts";

export { FAMILIES as IMPORT_FAMILIES } from "../compiler/import/hf/import.ts";
export type { HfImportOptions } from "../compiler/import/hf/import.ts";

/** An imported spec: its text and what binds a checkpoint of it. */
export interface ImportedSpec {
  /** The spec, formatted and checked. */
  spec: string;
  /** The config's `model_type`. */
  modelType: string;
  /** The weight layout (`--layout`) that reads this family's Hugging Face checkpoints, if any. */
  layout?: string;
}

/**
 * Turns the text of a Hugging Face config.json (`file` names it in diagnostics) into a Loom spec.
 * Throws a LoomError with coded diagnostics (E09xx) when a field is unknown, malformed or needs
 * something Loom cannot express; never returns a spec that does not check.
 */
export async function importHuggingFaceConfig(
  text: string,
  file: string,
  options: HfImportOptions = {},
): Promise<ImportedSpec> {
  const result = await importHfConfig(text, file, options);
  throwOnErrors(`cannot import ${file}`, result.diagnostics, result.sources);
  if (!result.spec || !result.modelType)
    throw new LoomError(`cannot import ${file}: the importer gave no spec`);
  return {
    spec: result.spec,
    modelType: result.modelType,
    ...(result.layout ? { layout: result.layout } : {}),
  };
}
