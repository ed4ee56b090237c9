/**
 * Checking a manifest on its own, before any other file of the bundle is read: UTF-8 JSON, the
 * format and its version, the loader's limits, the schema (every issue with its JSON path), the
 * spec text against its hashes, and the consistency of the manifest's parts (E0611–E0614,
 * E0621, E0623). A loader reads or fetches only what a manifest that passes this names.
 */
import { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import { describeIssue } from "../../contracts/device-profile/json-issues.ts";
import { bindingCounts } from "../../contracts/device-profile/requirements.ts";
import type { Span } from "../../contracts/source.ts";
import { sizeOf } from "../../contracts/tensor.ts";
import { declaredWeights } from "../weights/declared.ts";
import { isWeightFormat, packedWords, WEIGHT_FORMATS } from "../../contracts/weight-format.ts";
import { sha256 } from "../../contracts/bundle/hash.ts";
import { MAX_KERNELS } from "../../contracts/bundle/limits.ts";
import { isFileTokenizer } from "../../contracts/tokenizer-name.ts";
import { BundleManifest, MANIFEST_FILE } from "../../contracts/bundle/manifest.ts";
import {
  COMPILER_VERSION,
  FORMAT_NAME,
  FORMAT_VERSION,
  REFUSED_VERSIONS,
} from "../../contracts/bundle/version.ts";

/** How many manifest schema issues are listed before the rest are counted. */
const LISTED = 20;

export const RECOMPILE =
  "recompile the bundle with `loom compile SPEC --out DIR` (the manifest holds the spec's text as source.text)";

/**
 * The manifest in `bytes` if it is valid on its own; every problem is reported to `bag` at `span`
 * (the manifest file). `consistent` is false when the manifest parsed but its parts disagree.
 */
export function checkManifest(
  bytes: Uint8Array,
  span: Span,
  bag: DiagnosticBag,
): { manifest?: BundleManifest; consistent: boolean } {
  const json = manifestJson(bytes, span, bag);
  if (json === undefined || !headOk(json, span, bag)) return { consistent: false };

  const parsed = BundleManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    for (const issue of issues.slice(0, LISTED))
      bag.report("E0611", span, `invalid bundle manifest: ${describeIssue(issue, json)}`, {
        hint: RECOMPILE,
      });
    if (issues.length > LISTED)
      bag.report(
        "E0611",
        span,
        `invalid bundle manifest: ${issues.length - LISTED} more problems`,
        {
          hint: RECOMPILE,
        },
      );
    return { consistent: false };
  }
  const manifest = parsed.data;
  const before = bag.items.length;
  sourceHashes(manifest, span, bag);
  consistency(manifest, span, bag);
  return { manifest, consistent: bag.items.length === before };
}

/** The manifest's JSON object, or undefined after reporting E0611. */
function manifestJson(bytes: Uint8Array, span: Span, bag: DiagnosticBag): object | undefined {
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
    bag.report("E0611", span, `${MANIFEST_FILE} ${problem}`, {
      notes: [`the file has ${bytes.length} bytes`],
      hint: `the file is truncated or damaged; ${RECOMPILE}`,
    });
    return undefined;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    bag.report("E0611", span, `${MANIFEST_FILE} is not a JSON object`, { hint: RECOMPILE });
    return undefined;
  }
  return json;
}

/**
 * The format, its version and the kernel count, before the schema: a newer or older bundle fails
 * the schema for a reason, and a manifest naming too many files gets one message, not thousands.
 */
function headOk(json: object, span: Span, bag: DiagnosticBag): boolean {
  const head = json as {
    format?: unknown;
    formatVersion?: unknown;
    compilerVersion?: unknown;
    plan?: { kernels?: unknown };
  };
  if (head.format !== FORMAT_NAME) {
    bag.report(
      "E0611",
      span,
      `${MANIFEST_FILE} is not a Loom bundle manifest: \`format\` is ${head.format === undefined ? "missing" : JSON.stringify(head.format)}, expected "${FORMAT_NAME}"`,
      { hint: "give the directory `loom compile` wrote" },
    );
    return false;
  }
  const version = head.formatVersion;
  const writer = typeof head.compilerVersion === "string" ? head.compilerVersion : undefined;
  const writtenBy = writer
    ? `the bundle was written by Loom ${writer}`
    : "the manifest does not say which Loom wrote it";
  if (typeof version === "number" && Number.isInteger(version) && version > FORMAT_VERSION) {
    bag.report(
      "E0612",
      span,
      `the bundle has format version ${version}, newer than this Loom (${COMPILER_VERSION}) reads: it reads version ${FORMAT_VERSION}${writer ? `; the bundle needs Loom ${writer} or newer` : ""}`,
      {
        notes: [writtenBy],
        hint: `upgrade Loom${writer ? ` to ${writer} or newer` : ""}, or recompile the spec with this Loom (the manifest holds its text as source.text)`,
      },
    );
    return false;
  }
  const refused = typeof version === "number" ? REFUSED_VERSIONS[version] : undefined;
  if (refused !== undefined) {
    bag.report(
      "E0621",
      span,
      `the bundle has format version ${version}, which this Loom (${COMPILER_VERSION}) no longer reads: ${refused}`,
      {
        notes: [writtenBy, `this Loom reads and writes version ${FORMAT_VERSION}`],
        hint: RECOMPILE,
      },
    );
    return false;
  }
  if (!formatsKnown(json, span, bag)) return false;
  const kernels = head.plan?.kernels;
  if (Array.isArray(kernels) && kernels.length > MAX_KERNELS) {
    bag.report(
      "E0623",
      span,
      `the manifest names ${kernels.length} kernels; a loader reads at most ${MAX_KERNELS}`,
      {
        notes: ["no kernel file was read"],
        hint: `a spec lowers to a few dozen kernels at most; the manifest was built by hand or damaged: ${RECOMPILE}`,
      },
    );
    return false;
  }
  return true;
}

/**
 * The weights' formats are ones this Loom reads (E0650), before the schema, so an unknown format
 * is named as such rather than as a schema mismatch.
 */
function formatsKnown(json: object, span: Span, bag: DiagnosticBag): boolean {
  const weights = (json as { weights?: { format?: unknown; formats?: unknown } }).weights;
  const found = new Set<string>();
  if (typeof weights?.format === "string") found.add(weights.format);
  if (weights?.formats !== null && typeof weights?.formats === "object")
    for (const f of Object.values(weights.formats)) if (typeof f === "string") found.add(f);
  const unknown = [...found].filter((f) => !isWeightFormat(f));
  if (unknown.length === 0) return true;
  bag.report(
    "E0650",
    span,
    `the bundle's weights use the format${unknown.length === 1 ? "" : "s"} ${unknown.map((f) => `\`${f.slice(0, 20)}\``).join(", ")}, which this Loom (${COMPILER_VERSION}) does not read`,
    {
      notes: [`this Loom reads the weight formats ${WEIGHT_FORMATS.join(", ")}`],
      hint: `upgrade Loom, or ${RECOMPILE.replace("`loom compile SPEC --out DIR`", "`loom compile SPEC --weight-format f16|q8|q4 --out DIR`")}`,
    },
  );
  return false;
}

/** The spec text and each include against their hashes (E0613). */
function sourceHashes(manifest: BundleManifest, span: Span, bag: DiagnosticBag): void {
  const sources = [
    { ...manifest.source, where: "source" },
    ...manifest.source.includes.map((f, i) => ({ ...f, where: `source.includes[${i}]` })),
  ];
  for (const s of sources)
    if (sha256(s.text) !== s.sha256)
      bag.report(
        "E0613",
        span,
        `the spec text in ${MANIFEST_FILE} (${s.where}.text, \`${s.file}\`) does not match its hash`,
        {
          notes: [`${s.where}.sha256 is ${s.sha256}`, `the text hashes to ${sha256(s.text)}`],
          hint: `the manifest was edited or damaged; ${RECOMPILE}`,
        },
      );
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
  const needsFile = tokenizer !== null && isFileTokenizer(tokenizer);
  if (needsFile !== (manifest.tokenizer?.file !== undefined))
    report(
      needsFile
        ? `the tokenizer \`${tokenizer}\` is a tokenizer.json, but the manifest records no tokenizer.file`
        : `the manifest records a tokenizer.file, but the tokenizer ${tokenizer === null ? "is none" : `\`${tokenizer}\` is built in`}`,
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
  weightBuffers(manifest, report);
}

/**
 * Every weight buffer holds weights the IR declares, as many f32 elements (or, packed, u32 words)
 * as their shapes hold, and weights.formats names exactly the tensors of packed buffers: what the
 * runtime uploads from the weights file is exactly what the plan binds.
 */
function weightBuffers(
  { plan, ir, weights }: BundleManifest,
  report: (message: string, notes?: string[]) => void,
): void {
  const declared = new Map(declaredWeights(ir).map((w) => [w.name, w]));
  const packedIn = new Map<string, string>();
  for (const buffer of plan.buffers) {
    if (buffer.kind !== "weight") continue;
    const names = buffer.weights ?? [];
    const format = buffer.format;
    const what = `the weight buffer \`${buffer.name}\` (id ${buffer.id})`;
    if (names.length === 0) report(`${what} names no weight`);
    const unknown = names.filter((n) => !declared.has(n));
    for (const name of unknown) report(`${what} holds \`${name}\`, which the IR does not declare`);
    for (const name of names) if (format) packedIn.set(name, format);
    if (buffer.dtype !== (format ? "u32" : "f32"))
      report(
        `${what} is ${buffer.dtype}; ${format ? `weights packed as ${format} are u32 words` : "weights not packed are f32 (weights.dtype is F32)"}`,
      );
    if (unknown.length > 0 || typeof buffer.elements !== "number") continue;
    const shapes = names.map((n) => declared.get(n)!.shape);
    const elements = shapes.reduce(
      (sum, shape) => sum + (format ? packedWords(format, shape) : sizeOf(shape)),
      0,
    );
    if (elements !== buffer.elements)
      report(
        `${what} has ${buffer.elements} ${format ? `${format} words` : "elements"}, but the weights it holds have ${elements}`,
        names.map((n, i) => `\`${n}\` is [${shapes[i]!.join(", ")}] in the IR`),
      );
  }
  const recorded = Object.entries(weights.formats);
  const differ = [
    ...recorded
      .filter(([name, f]) => packedIn.get(name) !== f)
      .map(
        ([name, f]) =>
          `weights.formats gives \`${name}\` ${f}; the plan ${packedIn.has(name) ? `packs it as ${packedIn.get(name)}` : "does not pack it"}`,
      ),
    ...[...packedIn]
      .filter(([name]) => !Object.hasOwn(weights.formats, name))
      .map(([name, f]) => `the plan packs \`${name}\` as ${f}; weights.formats does not list it`),
  ];
  if (differ.length > 0)
    report(
      "the weights' recorded formats are not those of the plan's weight buffers",
      differ.slice(0, 20),
    );
  const format = recorded[0]?.[1] ?? "f32";
  if (weights.format !== format)
    report(`weights.format is ${weights.format}, but the packed weights are ${format}`);
}
