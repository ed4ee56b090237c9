/**
 * `loom import`: a Hugging Face config.json to a checked, formatted Loom spec. The config is
 * parsed, its `model_type` picks a family, the family reads the fields it knows (every other
 * field is an error unless listed as irrelevant), writes the spec, and the spec is formatted and
 * checked; a spec that does not check is never returned.
 */
import { DiagnosticBag, type Diagnostic } from "../../../contracts/diagnostics/diagnostic.ts";
import { SourceFile, SourceSet } from "../../../contracts/source.ts";
import { checkSpec } from "../../compile.ts";
import { formatSpec } from "../../format/format.ts";
import { ConfigReader, type Json } from "./fields.ts";
import type { Family, ImportOptions } from "./family.ts";
import { bert } from "./bert.ts";
import { gpt2 } from "./gpt2.ts";
import { llama, mistral, mixtral, qwen2 } from "./llama.ts";
import { gptNeox, phi } from "./parallel.ts";
import { t5 } from "./t5.ts";
import { vit } from "./vit.ts";
import { topLevelFieldSpans } from "./json-spans.ts";

/** Each importable `model_type`, with the family that reads it. docs/import.md lists them. */
export const FAMILIES: Readonly<Record<string, Family>> = {
  gpt2,
  bert,
  roberta: bert,
  t5,
  vit,
  llama,
  mistral,
  qwen2,
  mixtral,
  gpt_neox: gptNeox,
  phi,
};

/** What an import gives: the spec when it succeeded, and every diagnostic either way. */
export interface HfImportResult {
  /** The formatted, checked spec text; absent when there are errors. */
  spec?: string;
  /** The `model_type` the config names. */
  modelType?: string;
  /** The weight layout that binds this family's checkpoints (`hf-llama`, …), if Loom has one. */
  layout?: string;
  diagnostics: Diagnostic[];
  /** The config (and, for an internal error, the spec) the diagnostics point into. */
  sources: SourceSet;
}

/** Options of an import beside the config text. */
export interface HfImportOptions {
  /** The model's name in the spec; default: from the config file's name, else the model type. */
  name?: string;
  /** The longest sequence the spec accepts (see ImportOptions.context). */
  context?: number;
  /** The path the spec is checked under (and will be written to); default `imported.loom`. */
  specPath?: string;
  /** The tokenizer the spec names, e.g. `file:tokenizer.json` for the checkpoint's own. */
  tokenizer?: string;
}

/** Imports one config.json (its text, and the path its diagnostics name). */
export async function importHfConfig(
  text: string,
  file: string,
  options: HfImportOptions = {},
): Promise<HfImportResult> {
  const sources = new SourceSet();
  sources.add(new SourceFile(file, text));
  const bag = new DiagnosticBag();
  const done = (extra: Partial<HfImportResult> = {}): HfImportResult => ({
    diagnostics: bag.items,
    sources,
    ...extra,
  });

  const config = parseConfig(text, file, bag);
  if (!config) return done();
  const cfg = new ConfigReader(config, topLevelFieldSpans(text, file), file, bag);
  const modelType = cfg.raw("model_type");
  const family = typeof modelType === "string" ? FAMILIES[modelType] : undefined;
  if (!family || typeof modelType !== "string") {
    cfg.report(
      "E0902",
      "model_type",
      modelType === undefined
        ? "the config has no `model_type`"
        : `\`model_type\` = ${JSON.stringify(modelType)} is not a family the importer knows`,
      {
        label: "unknown family",
        hint: `the importer reads ${Object.keys(FAMILIES).join(", ")}; write other models by hand (docs/language.md)`,
      },
    );
    return done();
  }
  const name = options.name ?? modelName(file, modelType);
  const imported = family(cfg, {
    name,
    source: file.split(/[\\/]/).pop() ?? file,
    ...(options.context !== undefined ? { context: options.context } : {}),
  } satisfies ImportOptions);
  cfg.finish(modelType);
  const known = { modelType, ...(imported.layout ? { layout: imported.layout } : {}) };
  if (bag.hasErrors) return done(known);

  const specPath = options.specPath ?? "imported.loom";
  const written = options.tokenizer
    ? imported.spec.replace(
        `\nmodel ${name} {\n`,
        (open) => `${open}  tokenizer "${options.tokenizer}"\n`,
      )
    : imported.spec;
  const formatted = await formatSpec(written, specPath);
  const spec = formatted.ok ? formatted.formatted : written;
  const checked = checkSpec(specPath, () => spec, sources);
  const problem = formatted.ok
    ? checked.diagnostics.find((d) => d.severity === "error" || d.severity === "warning")
    : formatted.diagnostics[0];
  if (problem) {
    bag.report(
      "E0907",
      { file, start: 0, end: 0 },
      "the spec imported from this config does not check",
      {
        notes: [`${problem.code} ${problem.message}`, ...problem.notes],
        hint: "this is a bug in the importer; please report it with the config",
      },
    );
    bag.items.push(...(formatted.ok ? checked.diagnostics : formatted.diagnostics));
    return done(known);
  }
  return done({ spec, ...known });
}

function parseConfig(
  text: string,
  file: string,
  bag: DiagnosticBag,
): Record<string, Json> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    bag.report(
      "E0901",
      { file, start: at, end: at + 1 },
      `the config is not valid JSON: ${message}`,
      {
        hint: "pass the checkpoint's config.json as it was published",
      },
    );
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bag.report("E0901", { file, start: 0, end: text.length }, "the config is not a JSON object", {
      label: Array.isArray(value) ? "an array" : `a ${value === null ? "null" : typeof value}`,
      hint: 'a config.json is one object of fields: { "model_type": …, … }',
    });
    return undefined;
  }
  return value as Record<string, Json>;
}

/** A spec identifier from the config's file name (`gpt2-small.json` → `gpt2_small`). */
function modelName(file: string, modelType: string): string {
  const base = (file.split(/[\\/]/).pop() ?? "").replace(/\.json$/i, "");
  const stem = base === "config" || base === "" ? modelType : base;
  const ident = stem.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[A-Za-z_]/.test(ident) ? ident : `model_${ident}`;
}
