/**
 * Reading a bundle: the manifest validated with zod (every issue with its JSON path), the format
 * version, the hashes of the spec text, every WGSL file and the weights, the manifest's internal
 * consistency, the kernel plan verified (plan/verify.ts), then the weights bound to the IR. A bundle is untrusted input: reading never
 * throws; every problem is a diagnostic (E0610–E0614, and E05xx from the weights). No Node
 * modules: a browser decodes bundles with this file too (directory.ts reads them from disk).
 */
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { describeIssue } from "../../contracts/device-profile/json-issues.ts";
import { bindingCounts, planRequirements } from "../../contracts/device-profile/requirements.ts";
import { BUILTIN_PROFILES } from "../../contracts/device-profile/builtins.ts";
import { LIMIT_NAMES, profileLimits } from "../../contracts/device-profile/schema.ts";
import { verifyPlan } from "../../contracts/plan/verify.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { Span } from "../../contracts/source.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { declaredWeights } from "../weights/declared.ts";
import { loadWeights } from "../weights/load.ts";
import { sha256 } from "../../contracts/bundle/hash.ts";
import { BundleManifest, MANIFEST_FILE } from "../../contracts/bundle/manifest.ts";
import { COMPILER_VERSION, FORMAT_NAME, FORMAT_VERSION } from "../../contracts/bundle/version.ts";

/** Where a bundle's files come from: a directory, or memory (tests, a browser's fetches). */
export interface BundleSource {
  /** The bundle's location, for messages. */
  location: string;
  /** The path of a file inside the bundle, for diagnostics' spans. */
  pathOf(file: string): string;
  /** A file's bytes; throws (any error, with a `code` like ENOENT when it has one) if unreadable. */
  read(file: string): Uint8Array;
}

/** A bundle read and checked: the manifest, the plan with its WGSL, the weights. */
export interface Bundle {
  location: string;
  manifest: BundleManifest;
  /** The kernel plan with every kernel's WGSL read back from its file. */
  plan: KernelPlan;
  /** Every weight the IR declares, by Loom full name. */
  weights: Map<string, Tensor>;
}

export interface ReadBundleResult {
  /** Present when there are no errors. */
  bundle?: Bundle;
  /** The validated manifest, present whenever it parsed, even if files are corrupt (for inspect). */
  manifest?: BundleManifest;
  diagnostics: Diagnostic[];
}

/** How many manifest schema issues are listed before the rest are counted. */
const LISTED = 20;

const RECOMPILE =
  "recompile the bundle with `loom compile SPEC --out DIR` (the manifest holds the spec's text as source.text)";

/** Reads and checks a bundle from any source. Never throws. */
export function decodeBundle(source: BundleSource): ReadBundleResult {
  try {
    return decode(source);
  } catch (error) {
    return decodeBundleFailed(source, error);
  }
}

/** A bug, not a bad bundle: still a diagnostic, so a caller never sees a stack trace. */
function decodeBundleFailed(source: BundleSource, error: unknown): { diagnostics: Diagnostic[] } {
  const bag = new DiagnosticBag();
  bag.report(
    "E0611",
    spanOf(source, MANIFEST_FILE),
    `internal error reading the bundle: ${error instanceof Error ? error.message : String(error)}`,
    {
      hint: "please report this with the bundle",
    },
  );
  return { diagnostics: bag.items };
}

function spanOf(source: BundleSource, file: string): Span {
  return { file: source.pathOf(file), start: 0, end: 0 };
}

/** Reads and validates a bundle's manifest alone (steps 1–3 of decodeBundle). Never throws. */
export function decodeManifest(source: BundleSource): {
  manifest?: BundleManifest;
  diagnostics: Diagnostic[];
} {
  const bag = new DiagnosticBag();
  try {
    return { ...validManifest(source, bag), diagnostics: bag.items };
  } catch (error) {
    return decodeBundleFailed(source, error);
  }
}

function decode(source: BundleSource): ReadBundleResult {
  const bag = new DiagnosticBag();
  const manifestSpan = spanOf(source, MANIFEST_FILE);
  const { manifest } = validManifest(source, bag);
  if (!manifest) return { diagnostics: bag.items };

  // 4. Hashes: the spec text, every kernel's WGSL, the weights.
  const sources = [
    { ...manifest.source, where: "source" },
    ...manifest.source.includes.map((f, i) => ({ ...f, where: `source.includes[${i}]` })),
  ];
  for (const s of sources)
    if (sha256(s.text) !== s.sha256)
      bag.report(
        "E0613",
        manifestSpan,
        `the spec text in ${MANIFEST_FILE} (${s.where}.text, \`${s.file}\`) does not match its hash`,
        {
          notes: [`${s.where}.sha256 is ${s.sha256}`, `the text hashes to ${sha256(s.text)}`],
          hint: `the manifest was edited or damaged; ${RECOMPILE}`,
        },
      );

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const kernels: KernelPlan["kernels"] = [];
  for (const [i, kernel] of manifest.plan.kernels.entries()) {
    const { wgslFile, wgslSha256, ...rest } = kernel;
    const wgslBytes = readFile(source, wgslFile, bag, `the WGSL of kernel \`${kernel.name}\``);
    if (!wgslBytes) continue;
    const actual = sha256(wgslBytes);
    if (actual !== wgslSha256) {
      bag.report(
        "E0613",
        spanOf(source, wgslFile),
        `${wgslFile} (the WGSL of kernel \`${kernel.name}\`) is corrupted: its SHA-256 does not match the manifest`,
        {
          notes: [`plan.kernels[${i}].wgslSha256 is ${wgslSha256}`, `the file's is ${actual}`],
          hint: `the file was edited or damaged after compiling; ${RECOMPILE}`,
        },
      );
      continue;
    }
    let wgsl: string;
    try {
      wgsl = decoder.decode(wgslBytes);
    } catch {
      bag.report("E0613", spanOf(source, wgslFile), `${wgslFile} is not UTF-8 text`, {
        hint: RECOMPILE,
      });
      continue;
    }
    kernels.push({ ...rest, wgsl });
  }

  const w = manifest.weights;
  const weightsBytes = readFile(source, w.file, bag, "the weights");
  let weightsOk = false;
  if (weightsBytes) {
    const actual = sha256(weightsBytes);
    if (weightsBytes.length !== w.bytes || actual !== w.sha256)
      bag.report(
        "E0613",
        spanOf(source, w.file),
        `${w.file} is corrupted: ${weightsBytes.length !== w.bytes ? `it has ${weightsBytes.length} bytes, the manifest says ${w.bytes}` : "its SHA-256 does not match the manifest"}`,
        {
          notes: [`weights.sha256 is ${w.sha256}`, `the file's is ${actual}`],
          hint: `the file was truncated, edited or damaged; ${RECOMPILE}`,
        },
      );
    else weightsOk = true;
  }

  // 5. Consistency of the manifest's parts; then the requirements, if the plan hangs together.
  const before = bag.items.length;
  consistency(manifest, manifestSpan, bag);
  const consistent = bag.items.length === before;
  const plan: KernelPlan = { ...manifest.plan, kernels };
  if (consistent && kernels.length === manifest.plan.kernels.length) {
    const recomputed = planRequirements(plan);
    const differ = [
      ...LIMIT_NAMES.filter((n) => recomputed.limits[n] !== manifest.requirements.limits[n]).map(
        (n) =>
          `${n}: recorded ${manifest.requirements.limits[n]}, the plan needs ${recomputed.limits[n]}`,
      ),
      ...(sameList(recomputed.features, manifest.requirements.features)
        ? []
        : [
            `features: recorded [${manifest.requirements.features.join(", ")}], the WGSL enables [${recomputed.features.join(", ")}]`,
          ]),
    ];
    if (differ.length > 0)
      bag.report(
        "E0614",
        manifestSpan,
        "the requirements recorded in the manifest are not those of its kernel plan",
        {
          notes: differ,
          hint: `a runtime checks a device against them, so they must be exact; ${RECOMPILE}`,
        },
      );
  }

  // 5b. The plan itself: data flow, bindings, slots, and the limits of the profile it names.
  if (consistent && kernels.length === manifest.plan.kernels.length) {
    const profile = BUILTIN_PROFILES[manifest.deviceProfile];
    const limits = profile ? profileLimits(profile) : undefined;
    bag.items.push(...verifyPlan(plan, limits, { file: manifestSpan.file }));
  }

  // 6. The weights, bound to the IR.
  let weights: Map<string, Tensor> | undefined;
  if (weightsBytes && weightsOk) {
    const loaded = loadWeights(manifest.ir, source.pathOf(w.file), weightsBytes, {
      layout: "loom",
    });
    bag.items.push(...loaded.diagnostics);
    weights = loaded.weights;
    if (loaded.weights && loaded.weights.size !== w.tensors)
      bag.report(
        "E0614",
        manifestSpan,
        `the manifest says the weights hold ${w.tensors} tensors; the IR declares ${loaded.weights.size}`,
        { hint: RECOMPILE },
      );
  }

  if (bag.hasErrors || !weights) return { manifest, diagnostics: bag.items };
  return {
    bundle: { location: source.location, manifest, plan, weights },
    manifest,
    diagnostics: bag.items,
  };
}

/** Steps 1–3: the manifest readable, UTF-8 JSON, a Loom manifest of a version read here, schema-valid. */
function validManifest(source: BundleSource, bag: DiagnosticBag): { manifest?: BundleManifest } {
  const manifestSpan = spanOf(source, MANIFEST_FILE);

  // 1. The manifest: readable, UTF-8, JSON, an object.
  const bytes = readFile(source, MANIFEST_FILE, bag, "the bundle's manifest");
  if (!bytes) return {};
  let json: unknown;
  let problem: string | undefined;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    try {
      json = JSON.parse(text);
    } catch (error) {
      problem = `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  } catch {
    problem = "is not UTF-8 text";
  }
  if (problem !== undefined) {
    bag.report("E0611", manifestSpan, `${MANIFEST_FILE} ${problem}`, {
      notes: [`the file has ${bytes.length} bytes`],
      hint: `the file is truncated or damaged; ${RECOMPILE}`,
    });
    return {};
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    bag.report("E0611", manifestSpan, `${MANIFEST_FILE} is not a JSON object`, { hint: RECOMPILE });
    return {};
  }

  // 2. Format and version, before the schema: a newer bundle fails the schema for a reason.
  const head = json as { format?: unknown; formatVersion?: unknown; compilerVersion?: unknown };
  if (head.format !== FORMAT_NAME) {
    bag.report(
      "E0611",
      manifestSpan,
      `${MANIFEST_FILE} is not a Loom bundle manifest: \`format\` is ${head.format === undefined ? "missing" : JSON.stringify(head.format)}, expected "${FORMAT_NAME}"`,
      {
        hint: "give the directory `loom compile` wrote",
      },
    );
    return {};
  }
  const version = head.formatVersion;
  if (typeof version === "number" && Number.isInteger(version) && version > FORMAT_VERSION) {
    const writer = typeof head.compilerVersion === "string" ? head.compilerVersion : undefined;
    bag.report(
      "E0612",
      manifestSpan,
      `the bundle has format version ${version}, newer than this Loom (${COMPILER_VERSION}) reads: it reads version ${FORMAT_VERSION}${writer ? `; the bundle needs Loom ${writer} or newer` : ""}`,
      {
        notes: [
          writer
            ? `the bundle was written by Loom ${writer}`
            : "the manifest does not say which Loom wrote it",
        ],
        hint: `upgrade Loom${writer ? ` to ${writer} or newer` : ""}, or recompile the spec with this Loom (the manifest holds its text as source.text)`,
      },
    );
    return {};
  }

  // 3. The schema: every issue, with its JSON path.
  const parsed = BundleManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    for (const issue of issues.slice(0, LISTED))
      bag.report("E0611", manifestSpan, `invalid bundle manifest: ${describeIssue(issue, json)}`, {
        hint: RECOMPILE,
      });
    if (issues.length > LISTED)
      bag.report(
        "E0611",
        manifestSpan,
        `invalid bundle manifest: ${issues.length - LISTED} more problems`,
        { hint: RECOMPILE },
      );
    return {};
  }
  return { manifest: parsed.data };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A file of the bundle, or undefined after reporting E0610. */
function readFile(
  source: BundleSource,
  file: string,
  bag: DiagnosticBag,
  what: string,
): Uint8Array | undefined {
  try {
    return source.read(file);
  } catch (error) {
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
      spanOf(source, file),
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

/** Cross-references inside the manifest: names, ids, bindings, weights, model, tokenizer (E0614). */
function consistency(manifest: BundleManifest, span: Span, bag: DiagnosticBag): void {
  const report = (message: string, notes: string[] = []) =>
    bag.report("E0614", span, message, { notes, hint: RECOMPILE });
  const { plan, ir } = manifest;
  if (manifest.model !== ir.model)
    report(`the manifest's model is \`${manifest.model}\` but its IR is of \`${ir.model}\``);
  const irTokenizer = ir.tokenizer ?? null;
  const tokenizer = manifest.tokenizer?.name ?? null;
  if (irTokenizer !== tokenizer)
    report(
      `the manifest's tokenizer is ${tokenizer === null ? "none" : `\`${tokenizer}\``} but the spec names ${irTokenizer === null ? "none" : `\`${irTokenizer}\``}`,
    );

  for (const [what, names] of [
    ["kernel name", plan.kernels.map((k) => k.name)],
    ["kernel WGSL file", plan.kernels.map((k) => k.wgslFile.toLowerCase())],
    ["buffer id", plan.buffers.map((b) => String(b.id))],
  ] as const) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) report(`the ${what} \`${name}\` appears twice in the plan`);
      seen.add(name);
    }
  }
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  const buffers = new Set(plan.buffers.map((b) => b.id));
  plan.steps.forEach((step, i) => {
    const kernel = kernels.get(step.kernel);
    if (!kernel)
      return report(
        `plan.steps[${i}] dispatches the kernel \`${step.kernel}\`, which the plan does not have`,
      );
    const unknown = step.buffers.filter((id) => !buffers.has(id));
    if (unknown.length > 0)
      report(
        `plan.steps[${i}] binds buffer${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}, which the plan does not have`,
      );
    const storage = bindingCounts(kernel).storage;
    if (step.buffers.length !== storage)
      report(
        `plan.steps[${i}] binds ${step.buffers.length} buffers to the kernel \`${kernel.name}\`, which has ${storage} storage bindings`,
      );
  });
  const declared = new Set(declaredWeights(ir).map((w) => w.name));
  for (const buffer of plan.buffers) {
    if (buffer.kind !== "weight") continue;
    const names = buffer.weights ?? [];
    if (names.length === 0)
      report(`the weight buffer \`${buffer.name}\` (id ${buffer.id}) names no weight`);
    for (const name of names.filter((n) => !declared.has(n)))
      report(
        `the weight buffer \`${buffer.name}\` (id ${buffer.id}) holds \`${name}\`, which the IR does not declare`,
      );
  }
}
