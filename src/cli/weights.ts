/**
 * `loom weights init` (a seeded Loom-layout safetensors file for a spec) and `loom weights inspect`
 * (a file's tensors, metadata and totals; with a spec, the binding's diagnostics). Exit 0 clean,
 * 1 errors in the spec or the file, 2 usage or I/O. Never a stack trace.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  checkSpec,
  DiagnosticBag,
  type Diagnostic,
  renderPretty,
  summaryLine,
  type TypedIr,
  SourceSet,
} from "../api/check.ts";
import {
  sizeOf,
  declaredWeights,
  encodeValues,
  WRITE_DTYPES,
  type WriteDtype,
  initChunks,
  INIT_DESCRIPTION,
  isSeed,
  LAYOUT_METADATA_KEY,
  LAYOUTS,
  isLayoutOption,
  type LayoutOption,
  bindWeights,
  encodeHeader,
  fileSpan,
  headerLength,
  MAX_HEADER_BYTES,
  parseHeader,
  type SafetensorsHeader,
} from "../api/weights.ts";
import { LoomError } from "../api/errors.ts";
import { weightMapFor, type WeightMapRules } from "../api/weight-map.ts";
import { EXIT, readText, type Io } from "./io.ts";
import { reportError } from "./report.ts";

export interface WeightsInitOptions {
  /** An unsigned 32-bit integer. */
  seed: number;
  /** The safetensors file to write. */
  out: string;
  dtype: WriteDtype;
  /** Overwrite `out` if it exists. */
  force: boolean;
  /** Which model of the spec file, when it defines several. */
  model?: string;
}

export interface WeightsInspectOptions {
  /** Print one JSON object instead of a table. */
  json: boolean;
  /** Bind the file to this spec and report what does not fit. */
  spec?: string;
  layout?: LayoutOption;
  /** With `spec`: a weight map (default: `<spec>.weightmap.json` beside the spec, if any). */
  weightMap?: string;
  /** Which model of the spec file, when it defines several. */
  model?: string;
}

function colorOf(io: Io): boolean {
  return io.color?.stderr ?? false;
}

function render(io: Io, diagnostics: readonly Diagnostic[], sources = new SourceSet()): void {
  const text = renderPretty(diagnostics, sources, { color: colorOf(io) });
  if (text) io.stderr(text);
  const line = summaryLine(diagnostics);
  if (line) io.stderr(`${line}\n`);
}

/** Checks a spec and picks one model: its typed IR and source text, or an exit status. */
function specModel(
  spec: string,
  model: string | undefined,
  io: Io,
): { ir: TypedIr; text: string } | { exit: number } {
  const sources = new SourceSet();
  const result = checkSpec(spec, readText, sources);
  if (result.diagnostics.length > 0) render(io, result.diagnostics, sources);
  if (result.diagnostics.some((d) => d.code === "E0103")) return { exit: EXIT.usage };
  if (result.diagnostics.some((d) => d.severity === "error")) return { exit: EXIT.errors };
  const names = result.models.map((m) => m.name);
  const chosen =
    model === undefined
      ? result.models.length === 1
        ? result.models[0]
        : undefined
      : result.models.find((m) => m.name === model);
  if (!chosen) {
    io.stderr(
      model === undefined
        ? names.length === 0
          ? `error: \`${spec}\` defines no model\n`
          : `error: \`${spec}\` defines ${names.length} models (${names.join(", ")}); pick one with --model\n`
        : `error: \`${spec}\` has no model \`${model}\`; it defines ${names.join(", ") || "none"}\n`,
    );
    return { exit: EXIT.usage };
  }
  if (!chosen.ir) return { exit: EXIT.errors };
  return { ir: chosen.ir, text: sources.get(spec)?.text ?? readText(spec) };
}

/** `loom weights init SPEC --out FILE`: writes seeded weights in the loom layout, atomically. */
export function runWeightsInit(spec: string, opts: WeightsInitOptions, io: Io): number {
  if (!isSeed(opts.seed)) {
    io.stderr(`error: --seed must be an integer from 0 to 4294967295, got ${opts.seed}\n`);
    return EXIT.usage;
  }
  if (!(WRITE_DTYPES as readonly string[]).includes(opts.dtype)) {
    io.stderr(`error: --dtype must be one of ${WRITE_DTYPES.join(", ")}, got ${opts.dtype}\n`);
    return EXIT.usage;
  }
  const checked = specModel(spec, opts.model, io);
  if ("exit" in checked) return checked.exit;
  const { ir, text } = checked;

  if (existsSync(opts.out)) {
    if (statSafe(opts.out)?.isDirectory()) {
      io.stderr(`error: \`${opts.out}\` is a directory; give a file path to --out\n`);
      return EXIT.usage;
    }
    if (!opts.force) {
      io.stderr(`error: \`${opts.out}\` already exists; pass --force to overwrite it\n`);
      return EXIT.usage;
    }
  }

  const weights = declaredWeights(ir);
  const metadata: Record<string, string> = {
    [LAYOUT_METADATA_KEY]: "loom",
    "loom.model": ir.model,
    "loom.source_sha256": createHash("sha256").update(text).digest("hex"),
    ...(ir.tokenizer ? { "loom.tokenizer": ir.tokenizer } : {}),
    "loom.seed": String(opts.seed),
    "loom.init": INIT_DESCRIPTION,
  };
  const header = encodeHeader(weights, opts.dtype, metadata);
  const temp = join(
    dirname(opts.out),
    `.${basename(opts.out)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx");
    writeSync(fd, header);
    for (const weight of weights)
      for (const values of initChunks(opts.seed, weight))
        writeSync(fd, encodeValues(values, opts.dtype));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, opts.out);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    removeQuietly(temp);
    io.stderr(`error: cannot write \`${opts.out}\`: ${reason(error)}\n`);
    return EXIT.usage;
  }

  const parameters = weights.reduce((n, w) => n + sizeOf(w.shape), 0);
  const bytes = header.length + parameters * (opts.dtype === "f32" ? 4 : 2);
  io.stdout(
    `wrote ${opts.out}: ${ir.model}, ${weights.length} tensors, ${groupDigits(parameters)} parameters, ${opts.dtype}, ${groupDigits(bytes)} bytes (seed ${opts.seed})\n`,
  );
  return EXIT.ok;
}

/** `loom weights inspect FILE [--spec SPEC]`: tensors, metadata, totals; binding diagnostics. */
export function runWeightsInspect(path: string, opts: WeightsInspectOptions, io: Io): number {
  if (opts.layout !== undefined && !isLayoutOption(opts.layout)) {
    io.stderr(`error: --layout must be auto or one of ${LAYOUTS.join(", ")}, got ${opts.layout}\n`);
    return EXIT.usage;
  }
  let checked: { ir: TypedIr } | undefined;
  if (opts.spec !== undefined) {
    const result = specModel(opts.spec, opts.model, io);
    if ("exit" in result) return result.exit;
    checked = result;
  }

  const read = checked ? readWhole(path) : readHeaderBytes(path);
  if ("diagnostic" in read) {
    render(io, [read.diagnostic]);
    return EXIT.usage;
  }
  const { header, diagnostics } = parseHeader(read.bytes, read.size, path);
  const all = [...diagnostics];
  const sources = new SourceSet();
  let weightMap: WeightMapRules | undefined;
  if (checked && opts.spec !== undefined) {
    try {
      const found = weightMapFor(opts.spec, opts.weightMap, sources);
      weightMap = found.map;
      all.push(...found.warnings);
    } catch (error) {
      if (error instanceof LoomError) return reportError(error, io);
      throw error;
    }
  }
  let binding:
    | { model: string; layout: string; bound: number; declared: number; weightMap?: string }
    | undefined;
  if (header && checked) {
    const bound = bindWeights(
      checked.ir,
      { header, bytes: read.bytes },
      { layout: opts.layout ?? "auto", ...(weightMap ? { weightMap } : {}) },
    );
    all.push(...bound.diagnostics);
    binding = {
      model: checked.ir.model,
      layout: bound.layout,
      bound: bound.weights?.size ?? 0,
      declared: declaredWeights(checked.ir).length,
      ...(weightMap ? { weightMap: weightMap.path } : {}),
    };
  }

  if (opts.json) {
    io.stdout(`${JSON.stringify(inspectJson(path, read.size, header, binding, all), null, 2)}\n`);
  } else {
    if (header) io.stdout(inspectText(path, read.size, header));
    if (binding) {
      const ok = !all.some((d) => d.severity === "error");
      io.stdout(
        ok
          ? `bound to ${binding.model}: all ${binding.declared} weights (layout ${binding.layout}${binding.weightMap ? `, weight map ${binding.weightMap}` : ""})\n`
          : `not bound to ${binding.model} (layout ${binding.layout}): see the errors below\n`,
      );
    }
    render(io, all, sources);
  }
  return all.some((d) => d.severity === "error") ? EXIT.errors : EXIT.ok;
}

function inspectJson(
  path: string,
  size: number,
  header: SafetensorsHeader | undefined,
  binding: object | undefined,
  diagnostics: Diagnostic[],
): object {
  const tensors = (header?.tensors ?? []).map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    count: sizeOf(t.shape),
    dataOffsets: t.dataOffsets,
  }));
  return {
    file: path,
    bytes: size,
    metadata: header?.metadata ?? {},
    tensors,
    totals: {
      tensors: tensors.length,
      parameters: tensors.reduce((n, t) => n + t.count, 0),
      dataBytes: header?.dataLength ?? 0,
    },
    ...(binding ? { binding } : {}),
    diagnostics,
  };
}

function inspectText(path: string, size: number, header: SafetensorsHeader): string {
  const rows = header.tensors.map((t) => [
    t.name,
    t.dtype,
    `[${t.shape.join(", ")}]`,
    groupDigits(sizeOf(t.shape)),
  ]);
  const head = ["tensor", "dtype", "shape", "count"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `  ${r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ")}`.trimEnd();
  const byDtype = new Map<string, { tensors: number; count: number }>();
  for (const t of header.tensors) {
    const entry = byDtype.get(t.dtype) ?? { tensors: 0, count: 0 };
    entry.tensors++;
    entry.count += sizeOf(t.shape);
    byDtype.set(t.dtype, entry);
  }
  const total = header.tensors.reduce((n, t) => n + sizeOf(t.shape), 0);
  const metadata = Object.entries(header.metadata);
  return [
    `${path}: ${groupDigits(size)} bytes`,
    ...(metadata.length > 0
      ? ["metadata:", ...metadata.map(([k, v]) => `  ${k} = ${v}`)]
      : ["metadata: none"]),
    "tensors:",
    line(head),
    ...rows.map(line),
    `total: ${header.tensors.length} tensors, ${groupDigits(total)} parameters (${[...byDtype]
      .map(([dtype, e]) => `${dtype}: ${e.tensors} tensors, ${groupDigits(e.count)}`)
      .join("; ")})`,
    "",
  ].join("\n");
}

/** The whole file, or an E0508 diagnostic. */
function readWhole(path: string): { bytes: Uint8Array; size: number } | { diagnostic: Diagnostic } {
  try {
    const buffer = readFileSync(path);
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    return { bytes, size: bytes.length };
  } catch (error) {
    return { diagnostic: unreadable(path, error) };
  }
}

/** The first 8 + N bytes (the header) and the file's size, or an E0508 diagnostic. */
function readHeaderBytes(
  path: string,
): { bytes: Uint8Array; size: number } | { diagnostic: Diagnostic } {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(8, size));
    readSync(fd, prefix, 0, prefix.length, 0);
    let length = prefix.length === 8 ? headerLength(prefix) : 0;
    length = Math.min(length, MAX_HEADER_BYTES + 1, Math.max(0, size - 8));
    const bytes = new Uint8Array(prefix.length + length);
    bytes.set(prefix);
    if (length > 0) readSync(fd, bytes, 8, length, 8);
    return { bytes, size };
  } catch (error) {
    return { diagnostic: unreadable(path, error) };
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function unreadable(path: string, error: unknown): Diagnostic {
  const bag = new DiagnosticBag();
  const code = (error as { code?: string } | undefined)?.code;
  bag.report("E0508", fileSpan(path), `cannot read weights file \`${path}\`: ${reason(error)}`, {
    hint:
      code === "ENOENT"
        ? "check the path; `loom weights init SPEC --out FILE` writes a file of seeded weights"
        : code === "ERR_FS_FILE_TOO_LARGE"
          ? "files over 2 GiB cannot be bound in memory yet; inspect without --spec reads only the header"
          : "check that the path is a readable file",
  });
  return bag.items[0]!;
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  if (code === "EEXIST") return "a temporary file of the same name exists";
  return error instanceof Error ? error.message : String(error);
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created
  }
}

/** 124439808 → "124,439,808". */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
