import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readBundle } from "../formats/bundle/directory.ts";
import { lowerToPlan } from "../compiler/lower/lower.ts";
import type { KernelPlan } from "../contracts/plan/schema.ts";
import { checkSpec } from "../compiler/compile.ts";
import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import { renderPretty, summaryLine } from "../contracts/diagnostics/render.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { SourceSet } from "../contracts/source.ts";
import type { WeightMap } from "../runtime/reference/executor.ts";
import { createTokenizer, isTokenizerError, type Tokenizer } from "../runtime/tokenizers/index.ts";
import { initWeights } from "../formats/weights/init.ts";
import type { LayoutOption } from "../formats/weights/layouts/map.ts";
import { loadWeights } from "../formats/weights/load.ts";
import { EXIT, readText, type Io } from "./io.ts";

/** Where a model's weights come from: a safetensors file, or the seeded initialiser. */
export interface WeightSource {
  /** Where it runs: WebGPU (default) or the CPU reference executor. */
  backend?: "webgpu" | "cpu";
  weights?: string;
  /** Seed of the initialiser when there is no weights file. */
  initSeed?: number;
  layout?: LayoutOption;
  model?: string;
}

/** A checked spec with its weights bound and its tokenizer made: ready to run. */
export interface LoadedModel {
  ir: TypedIr;
  weights: WeightMap;
  metadata: Record<string, string>;
  /** Absent when the spec names no tokenizer. */
  tokenizer?: Tokenizer;
  /** The kernel plan of a compiled bundle (a spec is lowered once the adapter is known). */
  plan?: KernelPlan;
  /** The device profile the bundle's plan was compiled for. */
  planProfile?: string;
  /** The spec's sources, for rendering diagnostics of later stages. */
  sources?: SourceSet;
}

/** Whether a path is a compiled bundle (a directory with a manifest) rather than a spec file. */
export function isBundle(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, "manifest.json"));
  } catch {
    return false;
  }
}

function makeTokenizer(
  name: string | undefined,
  metadata: Record<string, string>,
  io: Io,
): Tokenizer | undefined | number {
  if (!name) return undefined;
  const tokenizer = createTokenizer(name, metadata);
  if (isTokenizerError(tokenizer)) {
    io.stderr(`error: cannot make the "${name}" tokenizer: ${tokenizer.error}\n`);
    return EXIT.errors;
  }
  return tokenizer;
}

/** Loads a compiled bundle: its manifest, plan and weights, every hash and shape checked. */
function loadBundle(dir: string, io: Io): LoadedModel | number {
  const read = readBundle(dir);
  if (read.diagnostics.length > 0) {
    io.stderr(renderPretty(read.diagnostics, new SourceSet(), { color: false }));
    io.stderr(`${summaryLine(read.diagnostics)}\n`);
  }
  if (!read.bundle) return EXIT.errors;
  const { manifest, plan, weights } = read.bundle;
  const tokenizer = makeTokenizer(manifest.tokenizer?.name, manifest.tokenizer?.metadata ?? {}, io);
  if (typeof tokenizer === "number") return tokenizer;
  return {
    ir: manifest.ir,
    weights,
    metadata: manifest.tokenizer?.metadata ?? {},
    plan,
    planProfile: manifest.deviceProfile,
    ...(tokenizer ? { tokenizer } : {}),
  };
}

/** Prints diagnostics, rendered against the sources they point into. */
export function report(diagnostics: Diagnostic[], sources: SourceSet, io: Io): void {
  if (diagnostics.length === 0) return;
  io.stderr(renderPretty(diagnostics, sources, { color: io.isTty && !process.env["NO_COLOR"] }));
  io.stderr(`${summaryLine(diagnostics)}\n`);
}

/**
 * Checks the spec, binds the weights (or initialises them from a seed) and makes the tokenizer.
 * Prints what went wrong and returns an exit status when it cannot.
 */
export function loadModel(spec: string, source: WeightSource, io: Io): LoadedModel | number {
  if (isBundle(spec)) return loadBundle(spec, io);
  const checked = checkSpec(spec, readText);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    report(checked.diagnostics, checked.sources, io);
    return errors.every((d) => d.code === "E0103") ? EXIT.usage : EXIT.errors;
  }
  const candidates = checked.models.filter((m) => !source.model || m.name === source.model);
  if (candidates.length !== 1 || !candidates[0]!.ir) {
    const names = checked.models.map((m) => m.name).join(", ");
    io.stderr(
      candidates.length === 0
        ? `error: ${spec} has no model named \`${source.model}\` (it has: ${names || "none"})\n`
        : `error: ${spec} defines several models (${names}); choose one with --model\n`,
    );
    return EXIT.usage;
  }
  const ir = candidates[0]!.ir!;

  let weights: WeightMap;
  let metadata: Record<string, string> = {};
  if (source.weights !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(source.weights);
    } catch (error) {
      io.stderr(
        `error[E0508]: cannot read weights file "${source.weights}": ${(error as Error).message}\n`,
      );
      return EXIT.usage;
    }
    const loaded = loadWeights(ir, source.weights, bytes, { layout: source.layout ?? "auto" });
    report(loaded.diagnostics, checked.sources, io);
    if (!loaded.weights) return EXIT.errors;
    weights = loaded.weights;
    metadata = loaded.metadata;
  } else {
    weights = initWeights(ir, source.initSeed ?? 0);
    metadata = { "loom.seed": String(source.initSeed ?? 0) };
  }

  const tokenizer = makeTokenizer(
    ir.tokenizer ?? metadata["tokenizer"] ?? metadata["loom.tokenizer"],
    metadata,
    io,
  );
  if (typeof tokenizer === "number") return tokenizer;
  if ((source.backend ?? "webgpu") === "webgpu") {
    // Fail early, before any device work, when the spec has a layer WebGPU cannot run yet.
    const lowered = lowerToPlan(ir);
    report(lowered.diagnostics, checked.sources, io);
    if (!lowered.plan) return EXIT.errors;
  }
  return { ir, weights, metadata, sources: checked.sources, ...(tokenizer ? { tokenizer } : {}) };
}
