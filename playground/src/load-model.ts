/**
 * Turning what the user chose into a model on the page's device: a checked spec (with its trained
 * weights when it has some, else seeded ones) or a fetched or dropped bundle. Every failure comes
 * back as a message for the page.
 */
import {
  type ReadBundleResult,
  renderPretty,
  summaryLine,
  type TypedIr,
  SourceSet,
  fetchBytes,
  openInBrowser,
  type BrowserModel,
  type WeightMap,
  createTokenizer,
  isTokenizerError,
  type Tokenizer,
  declaredWeights,
  initWeights,
  loadWeights,
} from "../../src/api/browser.ts";
import { checkText } from "./check.ts";
import { TRAINED } from "./examples.ts";

/** A model ready to run in the page. */
export interface PageModel extends BrowserModel {
  ir: TypedIr;
  tokenizer?: Tokenizer;
  /** Where its weights came from, for the status line. */
  weightsNote: string;
}

/** Told of loading progress: a phase and a fraction done. */
export type Progress = (phase: string, fraction: number) => void;

/** Seeded weights beyond this many parameters would not fit a tab comfortably. */
const MOST_SEEDED_PARAMETERS = 20_000_000;

function tokenizerOf(
  name: string | undefined,
  metadata: Record<string, string>,
  json?: string,
): Tokenizer | string | undefined {
  if (!name) return undefined;
  const made = createTokenizer(name, metadata, json);
  return isTokenizerError(made) ? `cannot make the "${name}" tokenizer: ${made.error}` : made;
}

async function onDevice(
  ir: TypedIr,
  weights: WeightMap,
  metadata: Record<string, string>,
  weightsNote: string,
  progress: Progress,
  bundle?: {
    plan: BrowserModel["model"]["plan"];
    profile: string;
    tokenizerJson?: string;
    /** Its packed weights: formats kept when lowering again, words uploaded as they are. */
    packed: {
      formats: Record<string, "f16" | "q8" | "q4">;
      words: ReadonlyMap<string, Uint32Array>;
    };
  },
): Promise<PageModel | string> {
  const tokenizer = tokenizerOf(
    ir.tokenizer ?? metadata["tokenizer"] ?? metadata["loom.tokenizer"],
    metadata,
    bundle?.tokenizerJson,
  );
  if (typeof tokenizer === "string") return tokenizer;
  const opened = await openInBrowser(ir, weights, {
    ...(bundle ? { plan: bundle.plan, planProfile: bundle.profile, packed: bundle.packed } : {}),
    progress: (phase, done, total) => progress(phase, done / Math.max(1, total)),
  });
  if ("error" in opened) return opened.error;
  return { ...opened, ir, weightsNote, ...(tokenizer ? { tokenizer } : {}) };
}

/** Checks the editor's spec, gets its weights and puts it on the device. */
export async function loadSpec(
  path: string,
  text: string,
  progress: Progress,
): Promise<PageModel | string> {
  const checked = checkText(path, text);
  const ir = checked.models.find((m) => m.ir)?.ir;
  if (!ir || checked.diagnostics.some((d) => d.severity === "error"))
    return "the spec has errors: fix them first (see the diagnostics under the editor)";
  const parameters = declaredWeights(ir).reduce(
    (sum, w) => sum + w.shape.reduce((a, b) => a * b, 1),
    0,
  );
  const url = TRAINED[path];
  if (url !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = await fetchBytes(url, {
        // At most 8 bytes a parameter (F64) and a 1 MiB header: a larger file is not these weights.
        maxBytes: 8 * parameters + 1024 * 1024,
        progress: (received, total) => progress("download weights", received / Math.max(1, total)),
      });
    } catch (error) {
      return (error as Error).message;
    }
    const loaded = loadWeights(ir, path.replace(/\.loom$/, ".safetensors"), bytes, {
      layout: "auto",
    });
    if (loaded.weights)
      return onDevice(ir, loaded.weights, loaded.metadata, "trained weights", progress);
    progress("weights do not fit the edited spec; seeded instead", 0);
  }
  if (parameters > MOST_SEEDED_PARAMETERS)
    return `${ir.model} has ${parameters.toLocaleString("en-US")} parameters: too many to run in a tab with seeded weights (the playground allows ${MOST_SEEDED_PARAMETERS.toLocaleString("en-US")}); pick a tiny-* spec, or compile a bundle with real weights and load it`;
  return onDevice(
    ir,
    initWeights(ir, 0),
    { "loom.seed": "0" },
    "seeded weights (seed 0)",
    progress,
  );
}

/** The bundle's diagnostics as text (empty when it read cleanly). */
export function bundleReport(read: ReadBundleResult): string {
  if (read.diagnostics.length === 0) return "";
  return `${renderPretty(read.diagnostics, new SourceSet(), { color: false })}${summaryLine(read.diagnostics)}`;
}

/** Puts a bundle that read cleanly on the device, with its own plan when it suits the adapter. */
export async function loadBundle(
  read: ReadBundleResult,
  progress: Progress,
): Promise<PageModel | string> {
  if (!read.bundle) return "the bundle cannot be used: see its diagnostics";
  const { manifest, plan, weights, packed, tokenizerJson } = read.bundle;
  return onDevice(
    manifest.ir,
    weights,
    manifest.tokenizer?.metadata ?? {},
    `bundle ${read.bundle.location}`,
    progress,
    {
      plan,
      profile: manifest.deviceProfile,
      packed: { formats: manifest.weights.formats, words: packed },
      ...(tokenizerJson ? { tokenizerJson } : {}),
    },
  );
}
