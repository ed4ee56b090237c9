/** Importing a Hugging Face config.json as a checked, formatted Loom spec (docs/import.md). */
import { importHfConfig, type HfImportOptions } from "../compiler/import/hf/import.ts";
import { InputError, LoomError, throwOnErrors } from "./errors.ts";

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

/** Words a spec reserves, which cannot name a model. */
const KEYWORDS = new Set(["model", "block", "include", "dims", "input", "output", "repeat"]);
for (const word of ["return", "as", "true", "false", "tokenizer"]) KEYWORDS.add(word);

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
  const name = options.name;
  if (name !== undefined && (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || KEYWORDS.has(name)))
    throw new InputError(
      `the model name "${name}" is not a spec identifier: use letters, digits and _, not starting with a digit, and no keyword`,
    );
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
