/**
 * A model ready to run: a spec checked and its weights bound (a safetensors file in any layout
 * Loom reads, or seeded), or a compiled bundle read with every hash and shape checked.
 */
import type { PackedFormat } from "../contracts/weight-format.ts";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkSpec } from "../compiler/compile.ts";
import { lowerToPlan } from "../compiler/lower/lower.ts";
import { MANIFEST_FILE } from "../contracts/bundle/manifest.ts";
import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import type { KernelPlan } from "../contracts/plan/schema.ts";
import { SourceSet } from "../contracts/source.ts";
import { isFileTokenizer, tokenizerPath } from "../contracts/tokenizer-name.ts";
import type { Tensor } from "../contracts/tensor.ts";
import { initWeights } from "../formats/weights/init.ts";
import type { LayoutOption } from "../formats/weights/layouts/map.ts";
import { loadWeights } from "../formats/weights/load.ts";
import { createTokenizer, isTokenizerError, type Tokenizer } from "../runtime/tokenizers/index.ts";
import { readBundle } from "./bundle.ts";
import { readTokenizerFile, specTokenizerPath, tokenizerFromText } from "./tokenizer-file.ts";
import { LoomError, throwOnErrors } from "./errors.ts";
import { weightMapFor } from "./weight-map.ts";

/** Where a model's weights come from, and where it will run. */
export interface LoadModelOptions {
  /** Where it runs: WebGPU (default) or the CPU reference executor. */
  backend?: "webgpu" | "cpu";
  /** A safetensors file (its path or its bytes); without it, seeded weights. Ignored for a bundle. */
  weights?: string | Uint8Array;
  /** Seed of the initialiser when there is no weights file (default 0). */
  initSeed?: number;
  /** Tensor naming of `weights` (default: recognised from the names). */
  layout?: LayoutOption;
  /** A weight map for `weights` (default: `<spec>.weightmap.json` beside the spec, if any). */
  weightMap?: string;
  /** Which model, when the spec file defines several. */
  model?: string;
  /**
   * A Hugging Face tokenizer.json to use instead of the tokenizer the spec or bundle names
   * (docs/tokenizers.md).
   */
  tokenizer?: string;
}

/** A checked spec with its weights bound and its tokenizer made: ready to run. */
export interface LoadedModel {
  ir: TypedIr;
  weights: Map<string, Tensor>;
  metadata: Record<string, string>;
  /** Absent when the spec names no tokenizer. */
  tokenizer?: Tokenizer;
  /** The kernel plan of a compiled bundle (a spec is lowered once the adapter is known). */
  plan?: KernelPlan;
  /**
   * A bundle's packed weights (f16, q8, q4): their formats by Loom name, kept when the plan is
   * lowered again, and their words, uploaded as they are; `weights` holds their unpacked values.
   */
  packed?: { formats: Record<string, PackedFormat>; words: Map<string, Uint32Array> };
  /** The device profile the bundle's plan was compiled for. */
  planProfile?: string;
  /** The spec's sources, for rendering diagnostics of later stages. */
  sources: SourceSet;
  /** Warnings met on the way (binding the weights, lowering), to show the user. */
  warnings: Diagnostic[];
}

/** Whether a path is a compiled bundle (a directory with a manifest) rather than a spec file. */
export function isBundle(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, MANIFEST_FILE));
  } catch {
    return false;
  }
}

/**
 * The tokenizer called `name`: a built-in one made from the metadata, or a tokenizer.json from
 * `json` (a bundle's) or read from `file` (beside the spec).
 */
function makeTokenizer(
  name: string | undefined,
  metadata: Record<string, string>,
  from: { json?: string; file?: string } = {},
): Tokenizer | undefined {
  if (!name) return undefined;
  if (isFileTokenizer(name))
    return from.json !== undefined
      ? tokenizerFromText(name, from.json, name)
      : readTokenizerFile(from.file ?? tokenizerPath(name), name).tokenizer;
  const tokenizer = createTokenizer(name, metadata);
  if (isTokenizerError(tokenizer))
    throw new LoomError(`cannot make the "${name}" tokenizer: ${tokenizer.error}`);
  return tokenizer;
}

/**
 * Reads a compiled bundle: its manifest, plan and weights, every hash and shape checked; its own
 * tokenizer, or the tokenizer.json at `options.tokenizer`.
 */
export function loadBundle(dir: string, options: { tokenizer?: string } = {}): LoadedModel {
  const read = readBundle(dir);
  const sources = new SourceSet();
  throwOnErrors(`cannot load the bundle ${dir}`, read.diagnostics, sources);
  if (!read.bundle)
    throw new LoomError(`cannot load the bundle ${dir}`, {
      diagnostics: read.diagnostics,
      sources,
    });
  const { manifest, plan, weights, packed, tokenizerJson } = read.bundle;
  const metadata = manifest.tokenizer?.metadata ?? {};
  const tokenizer =
    options.tokenizer !== undefined
      ? readTokenizerFile(options.tokenizer).tokenizer
      : makeTokenizer(
          manifest.tokenizer?.name,
          metadata,
          tokenizerJson !== undefined ? { json: tokenizerJson } : {},
        );
  return {
    ir: manifest.ir,
    weights,
    metadata,
    plan,
    ...(packed.size > 0 ? { packed: { formats: manifest.weights.formats, words: packed } } : {}),
    planProfile: manifest.deviceProfile,
    sources,
    warnings: read.diagnostics,
    ...(tokenizer ? { tokenizer } : {}),
  };
}

/** The one model of a checked spec file to use, or a usage error that lists the choices. */
export function pickModel(
  spec: string,
  models: { name: string; ir?: TypedIr }[],
  wanted: string | undefined,
): TypedIr | undefined {
  const names = models.map((m) => m.name);
  const chosen =
    wanted === undefined
      ? models.length === 1
        ? models[0]
        : undefined
      : models.find((m) => m.name === wanted);
  if (!chosen)
    throw new LoomError(
      wanted === undefined
        ? names.length === 0
          ? `\`${spec}\` defines no model`
          : `\`${spec}\` defines ${names.length} models (${names.join(", ")}); pick one with --model`
        : `\`${spec}\` has no model \`${wanted}\`; it defines ${names.join(", ") || "none"}`,
      { kind: "usage" },
    );
  return chosen.ir;
}

/** Checks a spec file and returns the typed IR of its (chosen) model; throws LoomError if it has errors. */
export function checkedModel(
  spec: string,
  options: { model?: string; read?: (path: string) => string } = {},
): { ir: TypedIr; sources: SourceSet } {
  const checked = checkSpec(spec, options.read ?? ((path) => readFileSync(path, "utf8")));
  const missing = checked.diagnostics.some((d) => d.code === "E0103");
  throwOnErrors(
    `${spec} has errors`,
    checked.diagnostics,
    checked.sources,
    missing ? "usage" : "errors",
  );
  const ir = pickModel(spec, checked.models, options.model);
  if (!ir)
    throw new LoomError(`${spec} has errors`, {
      diagnostics: checked.diagnostics,
      sources: checked.sources,
    });
  return { ir, sources: checked.sources };
}

/** Reads a weights file's bytes; a missing or unreadable file is E0508. */
export function readWeightsFile(path: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } catch (error) {
    throw new LoomError(`cannot read weights file "${path}": ${(error as Error).message}`, {
      kind: "usage",
      code: "E0508",
    });
  }
}

/**
 * Loads a spec file (checking it, binding its weights and making its tokenizer) or a compiled
 * bundle directory. Throws LoomError with the diagnostics when it cannot.
 */
export function loadModel(path: string, options: LoadModelOptions = {}): LoadedModel {
  if (isBundle(path))
    return loadBundle(
      path,
      options.tokenizer !== undefined ? { tokenizer: options.tokenizer } : {},
    );
  const { ir, sources } = checkedModel(path, options);

  let weights: Map<string, Tensor>;
  let metadata: Record<string, string>;
  const warnings: Diagnostic[] = [];
  if (options.weights !== undefined) {
    const name = typeof options.weights === "string" ? options.weights : "weights.safetensors";
    const bytes =
      typeof options.weights === "string" ? readWeightsFile(options.weights) : options.weights;
    const renames = weightMapFor(path, options.weightMap, sources);
    warnings.push(...renames.warnings);
    const loaded = loadWeights(ir, name, bytes, {
      layout: options.layout ?? "auto",
      ...(renames.map ? { weightMap: renames.map } : {}),
    });
    throwOnErrors(`the weights do not fit ${ir.model}`, loaded.diagnostics, sources);
    if (!loaded.weights)
      throw new LoomError(`cannot bind ${name}`, { diagnostics: loaded.diagnostics, sources });
    weights = loaded.weights;
    metadata = loaded.metadata;
    warnings.push(...loaded.diagnostics);
  } else {
    weights = initWeights(ir, options.initSeed ?? 0);
    metadata = { "loom.seed": String(options.initSeed ?? 0) };
  }

  const named = ir.tokenizer ?? metadata["tokenizer"] ?? metadata["loom.tokenizer"];
  const tokenizer =
    options.tokenizer !== undefined
      ? readTokenizerFile(options.tokenizer).tokenizer
      : makeTokenizer(named, metadata, named ? { file: specTokenizerPath(path, named) } : {});
  if ((options.backend ?? "webgpu") === "webgpu") {
    // Fail early, before any device work, when the spec has a layer WebGPU cannot run yet.
    const lowered = lowerToPlan(ir);
    throwOnErrors(`${ir.model} cannot run on WebGPU`, lowered.diagnostics, sources);
    warnings.push(...lowered.diagnostics);
  }
  return { ir, weights, metadata, sources, warnings, ...(tokenizer ? { tokenizer } : {}) };
}
