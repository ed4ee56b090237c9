/**
 * Reading a bundle: first the manifest on its own (manifest-check.ts: schema, version, limits,
 * spec hashes, consistency), and only when it passes the files it names, each read with the byte
 * cap the manifest records: every WGSL file and the weights against their sizes and hashes, the
 * requirements recomputed, the kernel plan verified (plan/verify.ts), the weights' dtypes checked
 * against the plan and then bound to the IR. A bundle is untrusted input: reading never throws;
 * every problem is a diagnostic (E0610–E0614, E0621–E0624, and E05xx from the weights). No Node
 * modules: a browser decodes bundles with this file too (directory.ts reads them from disk).
 */
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { planRequirements } from "../../contracts/device-profile/requirements.ts";
import { BUILTIN_PROFILES } from "../../contracts/device-profile/builtins.ts";
import { LIMIT_NAMES, profileLimits } from "../../contracts/device-profile/schema.ts";
import { verifyPlan } from "../../contracts/plan/verify.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { Span } from "../../contracts/source.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { bindWeights } from "../weights/load.ts";
import { parseSafetensors } from "../weights/safetensors.ts";
import { sha256 } from "../../contracts/bundle/hash.ts";
import { MAX_MANIFEST_BYTES } from "../../contracts/bundle/limits.ts";
import { MANIFEST_FILE, type BundleManifest } from "../../contracts/bundle/manifest.ts";
import { FileTooLarge, OutsideBundle } from "./file-errors.ts";
import { checkManifest, RECOMPILE } from "./manifest-check.ts";
import { checkWeightDtypes } from "./weight-dtypes.ts";
import { readPackedWeights, withoutWeights } from "./packed-weights.ts";
import { declaredWeights } from "../weights/declared.ts";

/** Where a bundle's files come from: a directory, or memory (tests, a browser's fetches). */
export interface BundleSource {
  /** The bundle's location, for messages. */
  location: string;
  /** The path of a file inside the bundle, for diagnostics' spans. */
  pathOf(file: string): string;
  /**
   * A file's bytes, never more than `maxBytes`: throws FileTooLarge when it is larger (having
   * read at most `maxBytes` + 1 bytes of it), OutsideBundle when it lies outside the bundle, or
   * any other error (with a `code` like ENOENT when it has one) if it is unreadable.
   */
  read(file: string, maxBytes: number): Uint8Array;
}

/** A bundle read and checked: the manifest, the plan with its WGSL, the weights. */
export interface Bundle {
  location: string;
  manifest: BundleManifest;
  /** The kernel plan with every kernel's WGSL read back from its file. */
  plan: KernelPlan;
  /** Every weight the IR declares, by Loom full name (packed ones unpacked). */
  weights: Map<string, Tensor>;
  /** The text of the bundle's tokenizer.json, when the spec names one (`file:…`). */
  tokenizerJson?: string;
  /** The words of the packed weights (weights.formats), by Loom full name. */
  packed: Map<string, Uint32Array>;
}

export interface ReadBundleResult {
  /** Present when there are no errors. */
  bundle?: Bundle;
  /** The validated manifest, present whenever it parsed, even if files are corrupt (for inspect). */
  manifest?: BundleManifest;
  diagnostics: Diagnostic[];
}

/** A file a manifest names, with the most bytes a loader may read of it. */
export interface NamedFile {
  kind: "manifest" | "wgsl" | "tokenizer" | "weights";
  file: string;
  maxBytes: number;
  /** What it is, for messages: "the WGSL of kernel `x`", "the weights". */
  what: string;
  /** Where the manifest records its size, for messages. */
  recordedAt: string;
  /** Where the manifest records its hash (absent for the manifest itself). */
  hashAt?: string;
}

/**
 * The files a valid manifest names, in reading order: every kernel's WGSL, the tokenizer.json if
 * any, then the weights.
 */
export function namedFiles(manifest: BundleManifest): NamedFile[] {
  const tokenizer = manifest.tokenizer?.file;
  return [
    ...manifest.plan.kernels.map((k, i) => ({
      kind: "wgsl" as const,
      file: k.wgslFile,
      maxBytes: k.wgslBytes,
      what: `the WGSL of kernel \`${k.name}\``,
      recordedAt: `plan.kernels[${i}].wgslBytes`,
      hashAt: `plan.kernels[${i}].wgslSha256`,
    })),
    ...(tokenizer
      ? [
          {
            kind: "tokenizer" as const,
            file: tokenizer.file,
            maxBytes: tokenizer.bytes,
            what: "the tokenizer",
            recordedAt: "tokenizer.file.bytes",
            hashAt: "tokenizer.file.sha256",
          },
        ]
      : []),
    {
      kind: "weights",
      file: manifest.weights.file,
      maxBytes: manifest.weights.bytes,
      what: "the weights",
      recordedAt: "weights.bytes",
      hashAt: "weights.sha256",
    },
  ];
}

/** The manifest file as a NamedFile: capped by the loader's limit, not by a recorded size. */
export const MANIFEST_NAMED: NamedFile = {
  kind: "manifest",
  file: MANIFEST_FILE,
  maxBytes: MAX_MANIFEST_BYTES,
  what: "the bundle's manifest",
  recordedAt: "the loader's limit for manifests",
};

/** Reads and checks a bundle from any source. Never throws. */
export function decodeBundle(source: BundleSource): ReadBundleResult {
  const read = readManifest(source);
  if (!read.valid) return read;
  const files = decodeBundleFiles(read.manifest!, source);
  return { ...files, diagnostics: [...read.diagnostics, ...files.diagnostics] };
}

/**
 * Reads and checks the manifest alone, reading no other file: `valid` when the files it names
 * may be read (then `manifest` is present). Never throws.
 */
export function readManifest(source: BundleSource): ReadBundleResult & { valid: boolean } {
  let valid = false;
  const read = guarded(source, (bag) => {
    const bytes = readFile(source, MANIFEST_NAMED, bag);
    if (!bytes) return {};
    const checked = checkManifest(bytes, spanOf(source, MANIFEST_FILE), bag);
    valid = checked.manifest !== undefined && checked.consistent;
    return checked.manifest ? { manifest: checked.manifest } : {};
  });
  return { ...read, valid };
}

/**
 * Checks a manifest already validated by checkManifest against the files of `source` (which may
 * hold only the files the manifest names). Never throws.
 */
export function decodeBundleFiles(
  manifest: BundleManifest,
  source: BundleSource,
): ReadBundleResult {
  return guarded(source, (bag) => decodeFiles(manifest, source, bag));
}

/** Runs `read` with a fresh bag; a bug inside is still a diagnostic, never a stack trace. */
function guarded(
  source: BundleSource,
  read: (bag: DiagnosticBag) => Omit<ReadBundleResult, "diagnostics">,
): ReadBundleResult {
  const bag = new DiagnosticBag();
  try {
    const { bundle, manifest } = read(bag);
    return {
      ...(bundle && !bag.hasErrors ? { bundle } : {}),
      ...(manifest ? { manifest } : {}),
      diagnostics: bag.items,
    };
  } catch (error) {
    bag.report(
      "E0611",
      spanOf(source, MANIFEST_FILE),
      `internal error reading the bundle: ${error instanceof Error ? error.message : String(error)}`,
      { hint: "please report this with the bundle" },
    );
    return { diagnostics: bag.items };
  }
}

export function spanOf(source: BundleSource, file: string): Span {
  return { file: source.pathOf(file), start: 0, end: 0 };
}

/** Steps 4–6 of docs/bundle-format.md's "What is checked on load": the files the manifest names. */
function decodeFiles(
  manifest: BundleManifest,
  source: BundleSource,
  bag: DiagnosticBag,
): Omit<ReadBundleResult, "diagnostics"> {
  const manifestSpan = spanOf(source, MANIFEST_FILE);
  const named = namedFiles(manifest);
  const weightsFile = named.pop()!; // the WGSL files first, then the tokenizer, the weights last

  const kernels: KernelPlan["kernels"] = [];
  for (const [i, kernel] of manifest.plan.kernels.entries()) {
    // The size was the read's cap; the plan's kernel carries its WGSL instead of the file's facts.
    const { wgslFile: _file, wgslSha256, wgslBytes: _cap, ...rest } = kernel;
    const wgsl = readText(source, named[i]!, wgslSha256, bag);
    if (wgsl !== undefined) kernels.push({ ...rest, wgsl });
  }

  const tokenizer = manifest.tokenizer?.file;
  const tokenizerJson = tokenizer
    ? readText(source, named[manifest.plan.kernels.length]!, tokenizer.sha256, bag)
    : undefined;

  const weightsBytes = readFile(source, weightsFile, bag);
  const weightsOk =
    weightsBytes !== undefined &&
    matches(source, weightsFile, weightsBytes, manifest.weights.sha256, bag);

  const plan: KernelPlan = { ...manifest.plan, kernels };
  if (kernels.length === manifest.plan.kernels.length) {
    requirementsMatch(manifest, plan, manifestSpan, bag);
    // The plan itself: data flow, bindings, slots, and the limits of the profile it names.
    const profile = BUILTIN_PROFILES[manifest.deviceProfile];
    const limits = profile ? profileLimits(profile) : undefined;
    bag.items.push(...verifyPlan(plan, limits, { file: manifestSpan.file }));
  }

  const bound = weightsOk ? bindBundleWeights(manifest, source, weightsBytes, bag) : undefined;
  if (!bound || (tokenizer && tokenizerJson === undefined)) return { manifest };
  return {
    bundle: {
      location: source.location,
      manifest,
      plan,
      ...bound,
      ...(tokenizerJson !== undefined ? { tokenizerJson } : {}),
    },
    manifest,
  };
}

/** A text file of the bundle, its size and hash checked and decoded as UTF-8, or undefined (E0613). */
function readText(
  source: BundleSource,
  named: NamedFile,
  recorded: string,
  bag: DiagnosticBag,
): string | undefined {
  const bytes = readFile(source, named, bag);
  if (!bytes || !matches(source, named, bytes, recorded, bag)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    bag.report("E0613", spanOf(source, named.file), `${named.file} is not UTF-8 text`, {
      hint: RECOMPILE,
    });
    return undefined;
  }
}

/** Whether a file has the size and hash the manifest records, reporting E0613 when not. */
function matches(
  source: BundleSource,
  named: NamedFile,
  bytes: Uint8Array,
  recorded: string,
  bag: DiagnosticBag,
): boolean {
  const actual = sha256(bytes);
  const sizeOk = bytes.length === named.maxBytes;
  if (sizeOk && actual === recorded) return true;
  bag.report(
    "E0613",
    spanOf(source, named.file),
    `${named.kind === "weights" ? named.file : `${named.file} (${named.what})`} is corrupted: ${sizeOk ? "its SHA-256 does not match the manifest" : `it has ${bytes.length} bytes, the manifest says ${named.maxBytes}`}`,
    {
      notes: [`${named.hashAt} is ${recorded}`, `the file's is ${actual}`],
      hint: `the file was truncated, edited or damaged after compiling; ${RECOMPILE}`,
    },
  );
  return false;
}

/** The requirements recorded in the manifest are those of its plan, recomputed (E0614). */
function requirementsMatch(
  manifest: BundleManifest,
  plan: KernelPlan,
  span: Span,
  bag: DiagnosticBag,
): void {
  const recomputed = planRequirements(plan);
  const recorded = manifest.requirements;
  const differ = [
    ...LIMIT_NAMES.filter((n) => recomputed.limits[n] !== recorded.limits[n]).map(
      (n) => `${n}: recorded ${recorded.limits[n]}, the plan needs ${recomputed.limits[n]}`,
    ),
    ...(sameList(recomputed.features, recorded.features)
      ? []
      : [
          `features: recorded [${recorded.features.join(", ")}], the WGSL enables [${recomputed.features.join(", ")}]`,
        ]),
  ];
  if (differ.length > 0)
    bag.report(
      "E0614",
      span,
      "the requirements recorded in the manifest are not those of its kernel plan",
      {
        notes: differ,
        hint: `a runtime checks a device against them, so they must be exact; ${RECOMPILE}`,
      },
    );
}

/**
 * The weights file parsed, its dtypes checked against the plan, the packed tensors unpacked and
 * the rest bound to the IR.
 */
function bindBundleWeights(
  manifest: BundleManifest,
  source: BundleSource,
  bytes: Uint8Array,
  bag: DiagnosticBag,
): Pick<Bundle, "weights" | "packed"> | undefined {
  const w = manifest.weights;
  const parsed = parseSafetensors(bytes, source.pathOf(w.file));
  bag.items.push(...parsed.diagnostics);
  if (!parsed.file || !checkWeightDtypes(manifest, parsed.file.header, bag)) return undefined;
  const packed = readPackedWeights(manifest, parsed.file, bag);
  if (!packed) return undefined;
  const packedNames = new Set(packed.words.keys());
  const file = {
    ...parsed.file,
    header: {
      ...parsed.file.header,
      tensors: parsed.file.header.tensors.filter((t) => !packedNames.has(t.name)),
    },
  };
  const bound = bindWeights(withoutWeights(manifest.ir, packedNames), file, { layout: "loom" });
  bag.items.push(...bound.diagnostics);
  if (!bound.weights) return undefined;
  const weights = new Map<string, Tensor>();
  for (const { name } of declaredWeights(manifest.ir)) {
    const tensor = packed.unpacked.get(name) ?? bound.weights.get(name);
    if (tensor) weights.set(name, tensor);
  }
  if (weights.size !== w.tensors)
    bag.report(
      "E0614",
      spanOf(source, MANIFEST_FILE),
      `the manifest says the weights hold ${w.tensors} tensors; the IR declares ${weights.size}`,
      { hint: RECOMPILE },
    );
  return { weights, packed: packed.words };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A file of the bundle, at most its cap, or undefined after reporting E0610, E0622 or E0623. */
export function readFile(
  source: BundleSource,
  named: NamedFile,
  bag: DiagnosticBag,
): Uint8Array | undefined {
  const { file, what } = named;
  try {
    return source.read(file, named.maxBytes);
  } catch (error) {
    const span = spanOf(source, file);
    if (error instanceof FileTooLarge) {
      bag.report(
        "E0623",
        span,
        `${file} (${what}) of the bundle \`${source.location}\` is larger than the ${named.maxBytes} bytes ${named.kind === "manifest" ? "a loader reads of a manifest" : `the manifest records (${named.recordedAt})`}`,
        {
          notes: [
            error.size !== undefined
              ? `the file has ${error.size} bytes; ${error.received} were read`
              : `reading stopped after ${error.received} bytes`,
          ],
          hint: `the file was replaced or damaged after compiling; ${RECOMPILE}`,
        },
      );
      return undefined;
    }
    if (error instanceof OutsideBundle) {
      bag.report(
        "E0622",
        span,
        `${file} (${what}) of the bundle \`${source.location}\` resolves outside the bundle, to ${error.resolved}; it was not read`,
        {
          hint: "a loader reads only files inside the bundle: replace the link with the file itself, or recompile the bundle",
        },
      );
      return undefined;
    }
    const code = (error as { code?: string } | undefined)?.code;
    const why =
      code === "ENOENT"
        ? "it does not exist"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : error instanceof Error
              ? error.message
              : String(error);
    bag.report(
      "E0610",
      span,
      `cannot read ${file} (${what}) of the bundle \`${source.location}\`: ${why}`,
      {
        hint:
          file === MANIFEST_FILE
            ? "is this a bundle directory? `loom compile SPEC --out DIR` writes one"
            : `the bundle is incomplete; ${RECOMPILE}`,
      },
    );
    return undefined;
  }
}
