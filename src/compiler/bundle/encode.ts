/**
 * Building a bundle in memory: the manifest and every file's bytes, ready to be written. Pure
 * (no file system), so writing, reading and tests share it.
 */
import type { DeviceProfile } from "../../contracts/device-profile/schema.ts";
import { planRequirements } from "../../contracts/device-profile/requirements.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import type { WeightFormat } from "../../contracts/weight-format.ts";
import { declaredWeights } from "../../formats/weights/declared.ts";
import { LAYOUT_METADATA_KEY } from "../../formats/weights/layouts/index.ts";
import { writeSafetensors, type WordTensor } from "../../formats/weights/safetensors.ts";
import { packWeights } from "./pack-weights.ts";
import {
  MANIFEST_FILE,
  TOKENIZER_FILE,
  WEIGHTS_FILE,
  type BundleKernel,
  type BundleManifest,
} from "../../contracts/bundle/manifest.ts";
import { sha256 } from "../../contracts/bundle/hash.ts";
import { COMPILER_VERSION, FORMAT_NAME, FORMAT_VERSION } from "../../contracts/bundle/version.ts";

/** Everything a bundle is made from. */
export interface BundleContent {
  /** The spec file as given and its text; `includes`: every other file it read. */
  source: { file: string; text: string; includes?: { file: string; text: string }[] };
  ir: TypedIr;
  plan: KernelPlan;
  /** Every weight the IR declares, by Loom full name, in Loom's layout. */
  weights: ReadonlyMap<string, Tensor>;
  /** Extra `__metadata__` for the weights file (seed, init, `tokenizer.*` settings). */
  weightsMetadata?: Readonly<Record<string, string>>;
  /** The tokenizer the spec names; `json`: the text of its tokenizer.json, for a `file:` name. */
  tokenizer: { name: string; metadata: Record<string, string>; json?: string } | null;
  /** The profile the plan was checked against (its name is recorded). */
  profile: DeviceProfile;
  /** The command that made it, e.g. `loom compile specs/x.loom`. */
  createdBy: string;
}

/** A bundle in memory: its manifest and its files by path relative to the bundle. */
export interface EncodedBundle {
  manifest: BundleManifest;
  /** manifest.json last, so a reader of a half-copied bundle finds no manifest. */
  files: { path: string; bytes: Uint8Array }[];
}

/** Kernel names as file names: unsafe characters become `_`; names that collide (ignoring case) get `-2`, `-3`. */
export function kernelFileNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[.-]/, "_") || "_";
    let file = `kernels/${base}.wgsl`;
    for (let n = 2; taken.has(file.toLowerCase()); n++) file = `kernels/${base}-${n}.wgsl`;
    taken.add(file.toLowerCase());
    return file;
  });
}

/**
 * The manifest and files of a bundle. Throws RangeError when `weights` lacks a declared weight
 * (a caller's mistake: bind or initialise the weights first) or holds one the plan's format
 * cannot (compileSpec reports it first, E0651).
 */
export function encodeBundle(content: BundleContent): EncodedBundle {
  const { ir, plan } = content;
  const encoder = new TextEncoder();
  const files: EncodedBundle["files"] = [];

  const wgslFiles = kernelFileNames(plan.kernels.map((k) => k.name));
  const kernels: BundleKernel[] = plan.kernels.map((kernel, i) => {
    const { wgsl, ...rest } = kernel;
    const bytes = encoder.encode(wgsl);
    files.push({ path: wgslFiles[i]!, bytes });
    return {
      ...rest,
      wgslFile: wgslFiles[i]!,
      wgslSha256: sha256(bytes),
      wgslBytes: bytes.length,
    };
  });

  const packed = packWeights(plan, content.weights);
  const bad = packed.unrepresentable[0];
  if (bad)
    throw new RangeError(
      `the weight \`${bad.name}\` holds ${bad.value}, which ${bad.format} cannot hold`,
    );
  const ordered = new Map<string, Tensor | WordTensor>();
  for (const weight of declaredWeights(ir)) {
    const tensor = packed.words.get(weight.name) ?? content.weights.get(weight.name);
    if (!tensor) throw new RangeError(`no values for the weight \`${weight.name}\``);
    ordered.set(weight.name, tensor);
  }
  const json = content.tokenizer?.json;
  let tokenizerFile: NonNullable<BundleManifest["tokenizer"]>["file"];
  if (json !== undefined) {
    const bytes = encoder.encode(json);
    files.push({ path: TOKENIZER_FILE, bytes });
    tokenizerFile = { file: TOKENIZER_FILE, sha256: sha256(bytes), bytes: bytes.length };
  }

  const sourceSha = sha256(content.source.text);
  const weightsBytes = writeSafetensors(ordered, {
    dtype: "f32",
    metadata: {
      ...content.weightsMetadata,
      [LAYOUT_METADATA_KEY]: "loom",
      "loom.model": ir.model,
      "loom.source_sha256": sourceSha,
    },
  });
  files.push({ path: WEIGHTS_FILE, bytes: weightsBytes });

  const manifest: BundleManifest = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    compilerVersion: COMPILER_VERSION,
    createdBy: content.createdBy,
    source: {
      file: content.source.file,
      sha256: sourceSha,
      text: content.source.text,
      includes: (content.source.includes ?? []).map((f) => ({
        file: f.file,
        sha256: sha256(f.text),
        text: f.text,
      })),
    },
    model: ir.model,
    ir,
    plan: { ...plan, kernels },
    requirements: planRequirements(plan),
    weights: {
      file: WEIGHTS_FILE,
      sha256: sha256(weightsBytes),
      bytes: weightsBytes.length,
      tensors: ordered.size,
      dtype: "F32",
      format: weightFormatOf(plan),
      formats: packed.formats,
      layout: "loom",
    },
    tokenizer: content.tokenizer
      ? {
          name: content.tokenizer.name,
          metadata: content.tokenizer.metadata,
          ...(tokenizerFile ? { file: tokenizerFile } : {}),
        }
      : null,
    deviceProfile: content.profile.name,
  };
  files.push({
    path: MANIFEST_FILE,
    bytes: encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`),
  });
  return { manifest, files };
}

/** The format the plan's packed weights share, or f32 when none is packed. */
function weightFormatOf(plan: KernelPlan): WeightFormat {
  return plan.buffers.find((b) => b.kind === "weight" && b.format)?.format ?? "f32";
}
