import { z } from "zod";
import { Requirements } from "../device-profile/requirements.ts";
import { TypedIr } from "../ir/schema.ts";
import { KernelPlan, KernelSchema, PackedFormatSchema } from "../plan/schema.ts";
import { WEIGHT_FORMATS } from "../weight-format.ts";
import { MAX_KERNELS, MAX_TOKENIZER_BYTES, MAX_WGSL_BYTES } from "./limits.ts";

/**
 * The bundle manifest (`manifest.json`): what a bundle holds and how to check it. The schema is
 * the format's documentation: docs/bundle-format.md's field table is generated from it, and every
 * load validates against it (a bundle from disk or the network is untrusted input).
 */

/** A lower-case hex SHA-256 digest. */
export const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits")
  .describe("SHA-256, 64 lower-case hex digits");

/** A kernel's WGSL file: `kernels/<name>.wgsl`, no other directory, no `..`. */
export const WgslFile = z
  .string()
  .regex(/^kernels\/[A-Za-z0-9_][A-Za-z0-9_.-]*\.wgsl$/, "expected kernels/<name>.wgsl")
  .describe("the kernel's WGSL, relative to the bundle: `kernels/<name>.wgsl`");

/** A kernel as the manifest stores it: its WGSL moved to a file, with that file's hash. */
export const BundleKernel = KernelSchema.omit({ wgsl: true }).extend({
  wgslFile: WgslFile,
  wgslSha256: Sha256.describe("SHA-256 of the WGSL file's bytes (UTF-8)"),
  wgslBytes: z
    .number()
    .int()
    .nonnegative()
    .max(MAX_WGSL_BYTES)
    .describe(
      `the WGSL file's size in bytes, at most ${MAX_WGSL_BYTES}; a loader reads no more than this`,
    ),
});
export type BundleKernel = z.infer<typeof BundleKernel>;

/** The kernel plan as the manifest stores it: kernels without their WGSL text. */
export const BundlePlan = KernelPlan.extend({
  kernels: z.array(BundleKernel).max(MAX_KERNELS),
});
export type BundlePlan = z.infer<typeof BundlePlan>;

/** A spec file the bundle was compiled from: its path, hash and text. */
export const SourceFileEntry = z.strictObject({
  file: z.string().min(1).describe("the file's path, as given (an include's: as resolved)"),
  sha256: Sha256.describe("SHA-256 of `text` as UTF-8"),
  text: z.string().describe("the file's text, so the bundle is self-contained"),
});

export const BundleManifest = z.strictObject({
  format: z.literal("loom-bundle").describe("always `loom-bundle`"),
  formatVersion: z
    .literal(3)
    .describe(
      "the bundle format's version; readers refuse versions newer than theirs, and versions 1 and 2",
    ),
  compilerVersion: z
    .string()
    .min(1)
    .describe("the Loom version that wrote the bundle (package.json)"),
  createdBy: z.string().describe("the command that wrote it, e.g. `loom compile specs/x.loom`"),
  source: SourceFileEntry.extend({
    includes: z
      .array(SourceFileEntry)
      .describe("every file the spec includes, transitively, with its text"),
  }).describe("the spec the bundle was compiled from"),
  model: z.string().min(1).describe("the model's name (a spec file may define several)"),
  ir: TypedIr.describe(
    "the checked, typed IR: `TypedIr` of src/contracts/ir/schema.ts (docs/ARCHITECTURE.md), not expanded here",
  ),
  plan: BundlePlan.describe(
    "the kernel plan (src/contracts/plan/schema.ts) with each kernel's WGSL in its own file",
  ),
  requirements: Requirements.describe(
    "what the plan needs of a device; recomputed from the plan and compared on load",
  ),
  weights: z
    .strictObject({
      file: z
        .string()
        .regex(
          /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.safetensors$/,
          "expected a file name ending .safetensors",
        )
        .describe("the safetensors file, relative to the bundle: `weights.safetensors`"),
      sha256: Sha256.describe("SHA-256 of the whole file"),
      bytes: z
        .number()
        .int()
        .nonnegative()
        .describe("the file's size in bytes; a loader reads no more than this"),
      tensors: z.number().int().nonnegative().describe("how many tensors it holds"),
      dtype: z
        .literal("F32")
        .describe(
          "the dtype of every tensor not packed: F32 (packed tensors are U32, see `formats`)",
        ),
      format: z
        .enum(WEIGHT_FORMATS)
        .describe(
          "the format of the packed weights, matmuls and embedding tables (`loom compile --weight-format`): f32 when none is packed",
        ),
      formats: z
        .record(z.string(), PackedFormatSchema)
        .describe(
          "every packed tensor by Loom full name, with its format (f16, q8 or q4), stored as U32 [rows, words per row]; the rest are F32",
        ),
      layout: z.literal("loom").describe("tensor names: always Loom full names"),
    })
    .describe("the weights file: every weight the IR declares, by Loom full name"),
  tokenizer: z
    .strictObject({
      name: z.string().min(1).describe('the tokenizer the spec names (`tokenizer "gpt2"`)'),
      metadata: z
        .record(z.string(), z.string())
        .describe("its settings (the `tokenizer.*` metadata of the weights, e.g. a char alphabet)"),
      file: z
        .strictObject({
          file: z
            .literal("tokenizer.json")
            .describe("the Hugging Face tokenizer.json, relative to the bundle: `tokenizer.json`"),
          sha256: Sha256.describe("SHA-256 of the file's bytes"),
          bytes: z
            .number()
            .int()
            .nonnegative()
            .max(MAX_TOKENIZER_BYTES)
            .describe(
              `the file's size in bytes, at most ${MAX_TOKENIZER_BYTES}; a loader reads no more than this`,
            ),
        })
        .optional()
        .describe(
          'the tokenizer.json copied into the bundle, present exactly when the name is `file:…` (`tokenizer "file:tokenizer.json"`)',
        ),
    })
    .nullable()
    .describe("the tokenizer, or null when the spec names none"),
  deviceProfile: z
    .string()
    .min(1)
    .describe("the name of the device profile the plan was checked against"),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** The manifest's file name inside a bundle. */
export const MANIFEST_FILE = "manifest.json";

/** The tokenizer.json's file name inside a bundle, for a spec that names one (`file:…`). */
export const TOKENIZER_FILE = "tokenizer.json";

/** The weights' file name inside a bundle. */
export const WEIGHTS_FILE = "weights.safetensors";
