/**
 * Compiling a spec to a bundle: checked, lowered to a kernel plan that fits a device profile,
 * weights bound (a file in any layout Loom reads, or seeded); in memory, then written atomically.
 */
import { readFileSync } from "node:fs";
import type { BundleContent } from "../compiler/bundle/encode.ts";
import { encodeBundle, type EncodedBundle } from "../compiler/bundle/encode.ts";
import { writeBundle } from "../compiler/bundle/write.ts";
import { checkSpec } from "../compiler/compile.ts";
import { lowerToPlan } from "../compiler/lower/lower.ts";
import { COMPILER_VERSION } from "../contracts/bundle/version.ts";
import { DEFAULT_PROFILE, profileTarget } from "../contracts/device-profile/builtins.ts";
import { checkPlanAgainstProfile, irSpans } from "../contracts/device-profile/check.ts";
import { describeIssue } from "../contracts/device-profile/json-issues.ts";
import { loadDeviceProfile } from "../contracts/device-profile/load.ts";
import { profileLimits, type DeviceProfile } from "../contracts/device-profile/schema.ts";
import { verifyPlan } from "../contracts/plan/verify.ts";
import { DiagnosticBag } from "../contracts/diagnostics/diagnostic.ts";
import { isWeightFormat, WEIGHT_FORMATS, type WeightFormat } from "../contracts/weight-format.ts";
import { packWeights, type Unrepresentable } from "../compiler/bundle/pack-weights.ts";
import type { WeightFormats } from "../compiler/lower/builder.ts";
import { declaredWeights } from "../formats/weights/declared.ts";
import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { KernelPlan } from "../contracts/plan/schema.ts";
import { SourceSet } from "../contracts/source.ts";
import type { Tensor } from "../contracts/tensor.ts";
import { INIT_DESCRIPTION, initWeights, isSeed } from "../formats/weights/init.ts";
import { LAYOUTS, isLayoutOption, type LayoutOption } from "../formats/weights/layouts/index.ts";
import { loadWeights } from "../formats/weights/load.ts";
import { readTokenizerFile, specTokenizerPath } from "./tokenizer-file.ts";
import { isFileTokenizer } from "../contracts/tokenizer-name.ts";
import { batchBound } from "./batch.ts";
import { hasErrors, InputError, LoomError } from "./errors.ts";
import { pickModel, readWeightsFile } from "./model.ts";
import { weightMapFor, type WeightMapRules } from "./weight-map.ts";

/** What to compile, and for which device. */
export interface CompileOptions {
  /** A safetensors file (path or bytes) in any layout `layout` names; default: seeded weights. */
  weights?: string | Uint8Array;
  /** Seed of the initialiser when there is no weights file (default 0). */
  initSeed?: number;
  /** Tensor naming of `weights` (default auto). */
  layout?: LayoutOption;
  /** A weight map for `weights` (default: `<spec>.weightmap.json` beside the spec, if any). */
  weightMap?: string;
  /** A built-in profile's name or a JSON profile's path (default webgpu-default). */
  deviceProfile?: string;
  /** Which model of the spec file, when it defines several. */
  model?: string;
  /** Largest batch the bundle's buffers hold (default: the spec's `batch <= N` bound, else 1). */
  maxBatch?: number;
  /** How the matmul weights and embedding tables are stored and read (default f32; docs/bundle-format.md). */
  weightFormat?: WeightFormat;
  /** Reads spec files (default: from disk); the bundle keeps every file read. */
  read?: (path: string) => string;
}

/** What a lowering returns: the plan, or diagnostics saying why there is none. */
export interface LowerResult {
  plan?: KernelPlan;
  diagnostics: Diagnostic[];
}

/** The lowering from typed IR to a kernel plan for a device profile (replaceable in tests). */
export type Lower = (
  ir: TypedIr,
  profile: DeviceProfile,
  options: { maxBatch?: number; weightFormats?: WeightFormats },
) => LowerResult;

/** The compiler's own lowering, for the profile's kind of adapter. */
export const defaultLower: Lower = (ir, profile, options) =>
  lowerToPlan(ir, { target: profileTarget(profile.name), ...options });

/** A compiled model, in memory: what a bundle holds, and how it was made. */
export interface CompiledModel {
  ir: TypedIr;
  plan: KernelPlan;
  profile: DeviceProfile;
  weights: Map<string, Tensor>;
  /** Where the weights came from: "seed 0", or the file and its layout. */
  weightsOrigin: string;
  /** How many weight tensors are packed in the requested format (matmul weights, embedding tables). */
  packedTensors: number;
  /** Everything the bundle is made of, for `encodeBundle` or `writeCompiledBundle`. */
  content: BundleContent;
  sources: SourceSet;
  /** Warnings met on the way. */
  warnings: Diagnostic[];
}

/**
 * Compiles a spec file: checks it, lowers it, checks the plan against the device profile and
 * binds the weights. Throws LoomError carrying every diagnostic when any is an error.
 */
export function compileSpec(
  spec: string,
  options: CompileOptions = {},
  lower: Lower = defaultLower,
): CompiledModel {
  const seed = options.initSeed ?? 0;
  if (!isSeed(seed))
    throw new InputError(`--init-seed must be an integer from 0 to 4294967295, got ${seed}`);
  const weightFormat = options.weightFormat ?? "f32";
  if (!isWeightFormat(weightFormat))
    throw new InputError(
      `--weight-format must be one of ${WEIGHT_FORMATS.join(", ")}, got ${String(weightFormat)}`,
    );
  const layout = options.layout ?? "auto";
  if (!isLayoutOption(layout))
    throw new InputError(`--layout must be auto or one of ${LAYOUTS.join(", ")}, got ${layout}`);

  const sources = new SourceSet();
  const shown: Diagnostic[] = [];
  const fail = (kind: "errors" | "usage", message: string): never => {
    throw new LoomError(message, { diagnostics: shown, sources, kind });
  };

  const chosen = loadDeviceProfile(options.deviceProfile ?? DEFAULT_PROFILE);
  shown.push(...chosen.diagnostics);
  const profile = chosen.profile ?? fail("usage", "the device profile cannot be used");

  // The spec, recording every file read so the bundle holds the includes too.
  const read = new Map<string, string>();
  const readFile = options.read ?? ((path: string) => readFileSync(path, "utf8"));
  const checked = checkSpec(
    spec,
    (path) => {
      const text = readFile(path);
      read.set(path, text);
      return text;
    },
    sources,
  );
  shown.push(...checked.diagnostics);
  if (checked.diagnostics.some((d) => d.code === "E0103")) fail("usage", `cannot read ${spec}`);
  if (hasErrors(checked.diagnostics)) fail("errors", `${spec} has errors`);
  const ir = pickModel(spec, checked.models, options.model) ?? fail("errors", `${spec} has errors`);

  const maxBatch = batchBound(ir, options.maxBatch);
  const lowered = lower(ir, profile, {
    ...(maxBatch !== undefined ? { maxBatch } : {}),
    ...(weightFormat !== "f32" ? { weightFormats: { requested: weightFormat } } : {}),
  });
  shown.push(...lowered.diagnostics);
  if (hasErrors(lowered.diagnostics)) fail("errors", `${ir.model} cannot be lowered`);
  if (!lowered.plan) fail("errors", `the lowering produced no kernel plan for \`${ir.model}\``);
  const valid = KernelPlan.safeParse(lowered.plan);
  if (!valid.success)
    fail(
      "errors",
      `internal error: the lowering produced an invalid kernel plan for \`${ir.model}\`:\n${valid.error.issues
        .slice(0, 10)
        .map((issue) => `  ${describeIssue(issue, lowered.plan)}`)
        .join("\n")}`,
    );
  const plan = valid.data!;
  const violations = checkPlanAgainstProfile(plan, profile, {
    spanOf: irSpans(plan, ir),
    file: spec,
  });
  shown.push(...violations);
  if (hasErrors(violations)) fail("errors", `${ir.model}'s kernels do not fit ${profile.name}`);
  const unsound = verifyPlan(plan, profileLimits(profile), { file: spec });
  shown.push(...unsound);
  if (hasErrors(unsound))
    fail("errors", `internal compiler error: the kernel plan for ${ir.model} is unsound`);

  // The weights: a file in any layout (converted to Loom's), or the seeded initialiser.
  let weights: Map<string, Tensor>;
  let metadata: Record<string, string>;
  let weightsOrigin: string;
  let weightMap: WeightMapRules | undefined;
  if (options.weights !== undefined) {
    const name = typeof options.weights === "string" ? options.weights : "weights.safetensors";
    const bytes =
      typeof options.weights === "string" ? readWeightsFile(options.weights) : options.weights;
    const renames = weightMapFor(spec, options.weightMap, sources);
    shown.push(...renames.warnings);
    weightMap = renames.map;
    const loaded = loadWeights(ir, name, bytes, {
      layout,
      ...(renames.map ? { weightMap: renames.map } : {}),
    });
    shown.push(...loaded.diagnostics);
    if (!loaded.weights) fail("errors", `the weights in ${name} do not fit ${ir.model}`);
    weights = loaded.weights!;
    metadata = {
      ...Object.fromEntries(
        Object.entries(loaded.metadata).filter(([key]) => key.startsWith("tokenizer.")),
      ),
      "loom.converted_from": `${name} (layout ${loaded.layout ?? layout})`,
    };
    weightsOrigin = `from ${name}, layout ${loaded.layout ?? layout}${weightMap ? `, weight map ${weightMap.path}` : ""}`;
  } else {
    weights = initWeights(ir, seed);
    metadata = { "loom.seed": String(seed), "loom.init": INIT_DESCRIPTION };
    weightsOrigin = `seed ${seed}`;
  }
  const packed = packWeights(plan, weights);
  const unfit = unrepresentable(packed.unrepresentable, ir);
  shown.push(...unfit);
  if (hasErrors(unfit)) fail("errors", `the weights of ${ir.model} do not fit ${weightFormat}`);
  const tokenizerMetadata = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => key.startsWith("tokenizer.")),
  );
  const createdBy = [
    `loom ${COMPILER_VERSION}: compile ${spec}`,
    ...(options.model ? [`--model ${options.model}`] : []),
    ...(maxBatch !== undefined ? [`--max-batch ${maxBatch}`] : []),
    `--device-profile ${profile.name}`,
    ...(weightFormat !== "f32" ? [`--weight-format ${weightFormat}`] : []),
    typeof options.weights === "string"
      ? `--weights ${options.weights} --layout ${layout}${weightMap ? ` --weight-map ${weightMap.path}` : ""}`
      : options.weights !== undefined
        ? `--layout ${layout}`
        : `--init-seed ${seed}`,
  ].join(" ");
  const content: BundleContent = {
    source: {
      file: spec,
      text: read.get(spec) ?? "",
      includes: [...read].filter(([path]) => path !== spec).map(([file, text]) => ({ file, text })),
    },
    ir,
    plan,
    weights,
    weightsMetadata: metadata,
    tokenizer: ir.tokenizer
      ? {
          name: ir.tokenizer,
          metadata: tokenizerMetadata,
          // A tokenizer.json is checked now and copied in, so the bundle needs nothing beside it.
          ...(isFileTokenizer(ir.tokenizer)
            ? { json: readTokenizerFile(specTokenizerPath(spec, ir.tokenizer), ir.tokenizer).json }
            : {}),
        }
      : null,
    profile,
    createdBy,
  };
  return {
    ir,
    plan,
    profile,
    weights,
    weightsOrigin,
    packedTensors: Object.keys(packed.formats).length,
    content,
    sources,
    warnings: shown,
  };
}

/** E0651 for each weight its format cannot hold, at the layer that declares it. */
function unrepresentable(found: Unrepresentable[], ir: TypedIr): Diagnostic[] {
  const bag = new DiagnosticBag();
  const declared = new Map(declaredWeights(ir).map((w) => [w.name, w]));
  for (const { name, format, index, value } of found.slice(0, 20)) {
    const node = declared.get(name)!.node;
    bag.report(
      "E0651",
      node.source,
      `the weight \`${name}\` holds ${value} (element ${index}), which ${format} cannot hold`,
      {
        label: `\`${node.op}\` declares it`,
        notes: [
          format === "f16"
            ? "f16 holds magnitudes up to 65504"
            : "a q4 block's scale (its largest magnitude / 8) is an f16, at most 65504",
        ],
        hint: "compile with --weight-format q8 or f32, or rescale the weights",
      },
    );
  }
  return bag.items;
}

/** The bundle's files in memory (manifest, WGSL, weights), e.g. to serve or store elsewhere. */
export function encodeCompiled(compiled: CompiledModel): EncodedBundle {
  return encodeBundle(compiled.content);
}

/**
 * Writes a compiled model as a bundle directory, atomically: a crash leaves the old bundle or the
 * new one (docs/bundle-format.md, "Writing"). `force` replaces an existing bundle, and nothing but
 * a bundle or an empty directory (E0640). `onWarning` hears of an interrupted earlier write that
 * was recovered first (W0641). Throws LoomError when it cannot write.
 */
export function writeCompiledBundle(
  compiled: CompiledModel,
  dir: string,
  options: { force?: boolean; onWarning?: (warning: Diagnostic) => void } = {},
): EncodedBundle {
  const result = writeBundle(dir, compiled.content, { force: options.force ?? false });
  if (result.written) for (const warning of result.diagnostics) options.onWarning?.(warning);
  if (!result.written)
    throw new LoomError(`cannot write the bundle ${dir}`, {
      diagnostics: result.diagnostics,
      sources: compiled.sources,
      kind: "usage",
    });
  return result.written;
}
