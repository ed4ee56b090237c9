/**
 * `loom inspect DIR`: what a bundle holds (versions, model, source hash, kernels with their
 * workgroup sizes and storage, buffers with sizes and slots, requirements, weights) and whether
 * it is intact: every hash verified and the weights bound to the IR. Exit 0 intact, 1 corrupt or
 * invalid (the diagnostics say what), 2 when DIR is not a directory.
 */
import { statSync } from "node:fs";
import {
  readBundle,
  type BundleKernel,
  type BundleManifest,
  groupDigits,
  bindingCounts,
  bufferBytes,
  LIMIT_NAMES,
} from "../api/bundle.ts";
import { type Diagnostic, renderPretty, summaryLine, SourceSet } from "../api/check.ts";
import { allocatedBytes, dispatchSummary, formatSizes } from "./compile.ts";
import { EXIT, type Io } from "./io.ts";

export interface InspectOptions {
  /** Print one JSON object instead of text. */
  json: boolean;
}

/** `loom inspect DIR`: prints the bundle's facts and checks it; returns the exit status. */
export function runInspect(dir: string, opts: InspectOptions, io: Io): number {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    io.stderr(
      `error: \`${dir}\` is not a directory; give a bundle directory written by \`loom compile\`\n`,
    );
    return EXIT.usage;
  }
  const { manifest, bundle, diagnostics } = readBundle(dir);
  const status = diagnostics.some((d) => d.severity === "error") ? EXIT.errors : EXIT.ok;
  if (opts.json) {
    io.stdout(
      `${JSON.stringify(inspectJson(dir, manifest, bundle !== undefined, diagnostics), null, 2)}\n`,
    );
    return status;
  }
  if (manifest) io.stdout(inspectText(dir, manifest));
  if (diagnostics.length > 0) {
    io.stderr(renderPretty(diagnostics, new SourceSet(), { color: io.color?.stderr ?? false }));
    const line = summaryLine(diagnostics);
    if (line) io.stderr(`${line}\n`);
  }
  if (bundle)
    io.stdout(
      `verified: manifest valid, ${manifest!.plan.kernels.length} WGSL files and the weights match their hashes, ${bundle.weights.size} weights bound to the IR\n`,
    );
  else io.stdout(`not valid: ${dir} is not a usable bundle (see the errors)\n`);
  return status;
}

/** A kernel's dispatch as text: `ceil((seq) / 64) × 1 × 1`. */
function dispatchText(kernel: BundleKernel): string {
  return kernel.dispatch
    .map((axis) =>
      typeof axis === "number" ? String(axis) : `ceil((${axis.expr}) / ${axis.divisor})`,
    )
    .join(" × ");
}

function inspectText(dir: string, m: BundleManifest): string {
  const { plan } = m;
  const stepsOf = (name: string) => plan.steps.filter((s) => s.kernel === name).length;
  const kernelRows = plan.kernels.map((k) => {
    const { storage, uniform } = bindingCounts(k);
    return [
      k.name,
      k.entryPoint,
      k.workgroupSize.join("×"),
      groupDigits(k.workgroupStorageBytes),
      `${storage}${uniform > 0 ? ` + ${uniform} uniform` : ""}`,
      dispatchText(k),
      String(stepsOf(k.name)),
      k.wgslFile,
    ];
  });
  const bufferRows = plan.buffers.map((b) => [
    String(b.id),
    b.name,
    b.kind,
    b.dtype,
    String(b.elements),
    groupDigits(b.maxElements),
    groupDigits(bufferBytes(b)),
    b.slot === undefined ? "-" : String(b.slot),
    b.lifetime ? `${b.lifetime[0]}–${b.lifetime[1]}` : "-",
  ]);
  const r = m.requirements;
  const includes = m.source.includes.length;
  return [
    `bundle ${dir}: ${m.format} format ${m.formatVersion}, written by Loom ${m.compilerVersion}`,
    `  created by: ${m.createdBy}`,
    `model: ${m.model}`,
    `source: ${m.source.file}, sha256 ${m.source.sha256}${includes > 0 ? ` (+ ${includes} included file${includes === 1 ? "" : "s"}: ${m.source.includes.map((f) => f.file).join(", ")})` : ""}`,
    `device profile: ${m.deviceProfile}`,
    `tokenizer: ${m.tokenizer ? `${m.tokenizer.name}${Object.keys(m.tokenizer.metadata).length > 0 ? ` (${Object.keys(m.tokenizer.metadata).join(", ")})` : ""}${m.tokenizer.file ? ` in ${m.tokenizer.file.file}, ${groupDigits(m.tokenizer.file.bytes)} bytes, sha256 ${m.tokenizer.file.sha256}` : ""}` : "none"}`,
    `runtime sizes: batch ${plan.sizes.batch}, step ${plan.sizes.step ?? "none"}, encoder ${plan.sizes.encoder ?? "none"}; largest ${formatSizes(plan.sizes.max)}`,
    "requirements (at the largest sizes):",
    `  features: ${r.features.length > 0 ? r.features.join(", ") : "none"}`,
    ...table(
      ["limit", "needs"],
      LIMIT_NAMES.map((n) => [n, groupDigits(r.limits[n])]),
      [1],
    ),
    `kernels (${plan.kernels.length}):`,
    ...table(
      ["name", "entry", "workgroup", "storage B", "bindings", "dispatch", "steps", "wgsl"],
      kernelRows,
      [3, 6],
    ),
    `buffers (${plan.buffers.length}, ${groupDigits(allocatedBytes(plan))} bytes allocated at the bounds):`,
    ...table(
      ["id", "name", "kind", "dtype", "elements", "max elements", "bytes", "slot", "lifetime"],
      bufferRows,
      [0, 5, 6],
    ),
    `steps: ${plan.steps.length} (dispatches: ${dispatchSummary(plan)})`,
    `weights: ${m.weights.file}, ${m.weights.tensors} tensors, ${m.weights.format === "f32" ? m.weights.dtype : `${Object.keys(m.weights.formats).length} packed as ${m.weights.format} (U32), the rest ${m.weights.dtype}`}, layout ${m.weights.layout}, ${groupDigits(m.weights.bytes)} bytes, sha256 ${m.weights.sha256}`,
    "",
  ].join("\n");
}

/** Rows as an indented table with padded columns; `right` columns are right-aligned. */
function table(head: string[], rows: string[][], right: number[] = []): string[] {
  if (rows.length === 0) return ["  (none)"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `  ${r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ")}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

function inspectJson(
  dir: string,
  m: BundleManifest | undefined,
  valid: boolean,
  diagnostics: Diagnostic[],
): object {
  if (!m) return { bundle: dir, valid, diagnostics };
  const { plan } = m;
  return {
    bundle: dir,
    valid,
    format: m.format,
    formatVersion: m.formatVersion,
    compilerVersion: m.compilerVersion,
    createdBy: m.createdBy,
    model: m.model,
    source: {
      file: m.source.file,
      sha256: m.source.sha256,
      includes: m.source.includes.map((f) => ({ file: f.file, sha256: f.sha256 })),
    },
    deviceProfile: m.deviceProfile,
    tokenizer: m.tokenizer,
    requirements: m.requirements,
    kernels: plan.kernels.map((k) => ({
      name: k.name,
      entryPoint: k.entryPoint,
      workgroupSize: k.workgroupSize,
      workgroupStorageBytes: k.workgroupStorageBytes,
      bindings: k.bindings,
      dispatch: k.dispatch,
      steps: plan.steps.filter((s) => s.kernel === k.name).length,
      wgslFile: k.wgslFile,
      wgslSha256: k.wgslSha256,
      wgslBytes: k.wgslBytes,
    })),
    buffers: plan.buffers.map((b) => ({ ...b, bytes: bufferBytes(b) })),
    allocatedBytes: allocatedBytes(plan),
    sizes: plan.sizes,
    steps: {
      total: plan.steps.length,
      step: plan.steps.filter((s) => s.phase === "step").length,
      encoder: plan.steps.filter((s) => s.phase === "encoder").length,
      prefillOnly: plan.steps.filter((s) => s.when === "prefill").length,
      decodeOnly: plan.steps.filter((s) => s.when === "decode").length,
    },
    weights: m.weights,
    diagnostics,
  };
}
