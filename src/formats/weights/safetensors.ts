/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON, then the data section. The JSON maps each tensor name to
 * `{dtype, shape, data_offsets: [start, end]}` (offsets into the data section, end exclusive) and
 * may hold `__metadata__`, an object of strings. The header is padded with spaces so the data
 * section starts 8-byte aligned; the tensors cover the data section exactly, with no holes.
 *
 * Reading never throws: every problem with a file is a Diagnostic (E0501–E0504).
 */
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import type { Span } from "../../contracts/source.ts";
import { sizeOf, type Tensor } from "../../contracts/tensor.ts";
import {
  DTYPE_BYTES,
  decodeValues,
  encodeValues,
  fileDtype,
  isReadable,
  READABLE_DTYPES,
  type WriteDtype,
} from "./dtypes.ts";

/** The largest header Loom reads, as the reference implementation: 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors header. */
export interface TensorInfo {
  name: string;
  /** The file's dtype string ("F32", "BF16", "I64", …). */
  dtype: string;
  shape: number[];
  /** Byte range [start, end) in the data section. */
  dataOffsets: [number, number];
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** The file's path, for diagnostics. */
  path: string;
  metadata: Record<string, string>;
  /** The well-formed tensors, in header order. */
  tensors: TensorInfo[];
  /** Names of entries already reported as broken (binding does not report them again). */
  broken: Set<string>;
  /** Offset of the data section in the file: 8 + the header length. */
  dataStart: number;
  /** Bytes in the data section. */
  dataLength: number;
}

/** The span of a diagnostic about a weights file: the file, no position (it is not source). */
export function fileSpan(path: string): Span {
  return { file: path, start: 0, end: 0 };
}

const FORMAT_HINT =
  "a safetensors file starts with an 8-byte little-endian header length and a JSON header; re-export the file or check that it is not truncated";

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value).slice(0, 40)}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The header length stored in the first 8 bytes (a u64, exact up to 2^53). */
export function headerLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
}

/**
 * Parses and validates the header of a safetensors file of `fileSize` bytes. `bytes` is the file,
 * or at least its first 8 + N bytes. Without a header, every problem found is in `diagnostics`.
 */
export function parseHeader(
  bytes: Uint8Array,
  fileSize: number,
  path: string,
): { header?: SafetensorsHeader; diagnostics: Diagnostic[] } {
  const bag = new DiagnosticBag();
  const span = fileSpan(path);
  const corrupt = (message: string, hint = FORMAT_HINT, notes: string[] = []) =>
    bag.report("E0501", span, message, { hint, notes });

  if (fileSize < 8 || bytes.length < 8) {
    corrupt(
      `\`${path}\` is ${fileSize} bytes, too short for the 8-byte header length of a safetensors file`,
    );
    return { diagnostics: bag.items };
  }
  const length = headerLength(bytes);
  if (length > fileSize - 8) {
    corrupt(
      `the header length ${length} runs past the end of the file (${fileSize} bytes)`,
      FORMAT_HINT,
      [`expected at most ${fileSize - 8} header bytes after the 8-byte length`],
    );
    return { diagnostics: bag.items };
  }
  if (length > MAX_HEADER_BYTES) {
    corrupt(`the header is ${length} bytes, more than the ${MAX_HEADER_BYTES} bytes Loom reads`);
    return { diagnostics: bag.items };
  }
  if (length > bytes.length - 8) {
    corrupt(`only ${bytes.length} bytes of the file were read, but its header is ${length} bytes`);
    return { diagnostics: bag.items };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + length));
  } catch {
    corrupt("the header is not valid UTF-8");
    return { diagnostics: bag.items };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    corrupt(`the header is not JSON: ${reason}`, FORMAT_HINT, [
      `the header starts ${JSON.stringify(text.slice(0, 40))}`,
    ]);
    return { diagnostics: bag.items };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    corrupt(`the header must be a JSON object, found ${describe(json)}`);
    return { diagnostics: bag.items };
  }

  const header: SafetensorsHeader = {
    path,
    metadata: {},
    tensors: [],
    broken: new Set(),
    dataStart: 8 + length,
    dataLength: fileSize - 8 - length,
  };
  const ranges: { name: string; start: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      header.metadata = readMetadata(entry, corrupt);
      continue;
    }
    const info = readEntry(name, entry, header, bag);
    if (info.range) ranges.push({ name, ...info.range });
    if (info.tensor) header.tensors.push(info.tensor);
    else header.broken.add(name);
  }
  checkCoverage(ranges, header, bag);
  if (header.broken.size > 0)
    header.tensors = header.tensors.filter((t) => !header.broken.has(t.name));
  return { header, diagnostics: bag.items };
}

function readMetadata(
  entry: unknown,
  corrupt: (message: string, hint?: string) => void,
): Record<string, string> {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    corrupt(
      `\`__metadata__\` must be an object of strings, found ${describe(entry)}`,
      "write the metadata as a JSON object whose values are strings",
    );
    return {};
  }
  const kept: [string, string][] = [];
  for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof value === "string") kept.push([key, value]);
    else
      corrupt(
        `\`__metadata__\` entry \`${key}\` must be a string, found ${describe(value)}`,
        "safetensors metadata maps strings to strings; encode other values as text",
      );
  }
  return Object.fromEntries(kept);
}

/** Validates one header entry; returns its tensor when usable and its byte range when sane. */
function readEntry(
  name: string,
  entry: unknown,
  header: SafetensorsHeader,
  bag: DiagnosticBag,
): { tensor?: TensorInfo; range?: { start: number; end: number } } {
  const span = fileSpan(header.path);
  const bad = (message: string, hint: string) => bag.report("E0501", span, message, { hint });
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    bad(
      `header entry \`${name}\` must be an object with dtype, shape and data_offsets, found ${describe(entry)}`,
      'write it as {"dtype": "F32", "shape": [rows, cols], "data_offsets": [start, end]}',
    );
    return {};
  }
  const record = entry as Record<string, unknown>;
  let ok = true;

  const offsets = record["data_offsets"];
  let range: { start: number; end: number } | undefined;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    bad(
      `tensor \`${name}\` needs \`data_offsets\`: two non-negative integers [start, end], found ${offsets === undefined ? "nothing" : JSON.stringify(offsets).slice(0, 60)}`,
      "data_offsets are byte offsets into the data section after the header, end exclusive",
    );
    ok = false;
  } else {
    const [start, end] = offsets as [number, number];
    if (end < start) {
      bag.report(
        "E0502",
        span,
        `tensor \`${name}\` ends before it starts: data_offsets [${start}, ${end}]`,
        { hint: "data_offsets are [start, end) with end >= start" },
      );
      ok = false;
    } else if (end > header.dataLength) {
      bag.report(
        "E0502",
        span,
        `tensor \`${name}\` lies outside the data section: data_offsets [${start}, ${end}], but the data section has ${header.dataLength} bytes`,
        {
          notes: [`the data section starts at byte ${header.dataStart} of the file`],
          hint: "the file is truncated, or its header does not belong to this data",
        },
      );
      ok = false;
      if (start < header.dataLength) range = { start, end: header.dataLength };
    } else {
      range = { start, end };
    }
  }

  const dtype = record["dtype"];
  let elementBytes: number | undefined;
  if (typeof dtype !== "string") {
    bad(
      `tensor \`${name}\` needs a \`dtype\` string, found ${dtype === undefined ? "nothing" : describe(dtype)}`,
      `dtype is one of ${Object.keys(DTYPE_BYTES).join(", ")}`,
    );
    ok = false;
  } else if (DTYPE_BYTES[dtype] === undefined) {
    bag.report(
      "E0504",
      span,
      `tensor \`${name}\` has the unknown dtype \`${dtype.slice(0, 20)}\``,
      {
        notes: [`safetensors dtypes are ${Object.keys(DTYPE_BYTES).join(", ")}`],
        hint: `convert the tensor to one of ${READABLE_DTYPES.join(", ")}`,
      },
    );
    ok = false;
  } else {
    elementBytes = DTYPE_BYTES[dtype];
  }

  const shape = record["shape"];
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    bad(
      `tensor \`${name}\` needs a \`shape\`: a list of non-negative integers, found ${shape === undefined ? "nothing" : JSON.stringify(shape).slice(0, 60)}`,
      "write the shape as a JSON array of sizes, e.g. [768, 3072] ([] for a scalar)",
    );
    ok = false;
  }
  if (!ok || !range || elementBytes === undefined) return range ? { range } : {};

  const dims = shape as number[];
  const expected = sizeOf(dims) * elementBytes;
  const found = range.end - range.start;
  if (expected !== found) {
    bag.report(
      "E0503",
      span,
      `tensor \`${name}\` is ${dtype}${formatShape(dims)}, which needs ${expected} bytes, but its data_offsets [${range.start}, ${range.end}] hold ${found}`,
      {
        notes: [
          `${sizeOf(dims)} elements × ${elementBytes} bytes per ${dtype} = ${expected} bytes`,
        ],
        hint: "the header's shape or dtype does not describe the data; re-export the file",
      },
    );
    return { range };
  }
  return {
    tensor: { name, dtype: dtype as string, shape: dims, dataOffsets: [range.start, range.end] },
    range,
  };
}

/** Reports overlapping tensors and bytes of the data section that no tensor covers. */
function checkCoverage(
  ranges: { name: string; start: number; end: number }[],
  header: SafetensorsHeader,
  bag: DiagnosticBag,
): void {
  const span = fileSpan(header.path);
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  let covered = 0;
  let last: { name: string; start: number; end: number } | undefined;
  for (const r of sorted) {
    if (r.start > covered) {
      bag.report(
        "E0502",
        span,
        `bytes [${covered}, ${r.start}) of the data section belong to no tensor (a hole before \`${r.name}\`)`,
        {
          hint: "safetensors requires the tensors to cover the data section exactly; re-export the file",
        },
      );
    } else if (r.start < covered && last && r.end > r.start) {
      bag.report(
        "E0502",
        span,
        `tensors \`${last.name}\` [${last.start}, ${last.end}) and \`${r.name}\` [${r.start}, ${r.end}) overlap`,
        { hint: "each byte of the data section belongs to exactly one tensor; re-export the file" },
      );
      header.broken.add(last.name);
      header.broken.add(r.name);
    }
    if (r.end >= covered) {
      covered = r.end;
      last = r;
    }
  }
  if (covered < header.dataLength) {
    bag.report(
      "E0502",
      span,
      `the last ${header.dataLength - covered} bytes of the data section (from ${covered} to ${header.dataLength}) belong to no tensor`,
      {
        hint: "the file has trailing bytes, or its header lost entries; re-export the file",
      },
    );
  }
}

/** A whole safetensors file: its validated header and the bytes it was read from. */
export interface SafetensorsFile {
  header: SafetensorsHeader;
  bytes: Uint8Array;
}

/** Parses a whole file held in memory; `file` is absent when the header is unusable. */
export function parseSafetensors(
  bytes: Uint8Array,
  path: string,
): { file?: SafetensorsFile; diagnostics: Diagnostic[] } {
  const { header, diagnostics } = parseHeader(bytes, bytes.length, path);
  return header ? { file: { header, bytes }, diagnostics } : { diagnostics };
}

/** Decodes one tensor to float64, or reports E0504 for a dtype Loom does not read. */
export function decodeTensor(
  file: SafetensorsFile,
  info: TensorInfo,
): { tensor?: Tensor; diagnostic?: Diagnostic } {
  if (!isReadable(info.dtype)) {
    const bag = new DiagnosticBag();
    bag.report(
      "E0504",
      fileSpan(file.header.path),
      `tensor \`${info.name}\` has dtype ${info.dtype}, which Loom does not read`,
      {
        notes: [`Loom reads ${READABLE_DTYPES.join(", ")}`],
        hint: `convert the tensor to F32, F16 or BF16`,
      },
    );
    return { diagnostic: bag.items[0]! };
  }
  const start = file.header.dataStart + info.dataOffsets[0];
  if (file.header.dataStart + info.dataOffsets[1] > file.bytes.length) {
    const bag = new DiagnosticBag();
    bag.report(
      "E0502",
      fileSpan(file.header.path),
      `tensor \`${info.name}\` ends at byte ${file.header.dataStart + info.dataOffsets[1]}, past the ${file.bytes.length} bytes read`,
      { hint: "read the whole file before decoding its tensors" },
    );
    return { diagnostic: bag.items[0]! };
  }
  const data = decodeValues(file.bytes, start, sizeOf(info.shape), info.dtype);
  return { tensor: { shape: [...info.shape], data } };
}

/**
 * Reads every tensor of a file held in memory into float64. Tensors of dtypes Loom does not read
 * are reported (E0504) and left out; `tensors` is absent when the header is unusable.
 */
export function readSafetensors(
  bytes: Uint8Array,
  path: string,
): {
  tensors?: Map<string, Tensor>;
  metadata: Record<string, string>;
  diagnostics: Diagnostic[];
} {
  const { file, diagnostics } = parseSafetensors(bytes, path);
  if (!file) return { metadata: {}, diagnostics };
  const tensors = new Map<string, Tensor>();
  for (const info of file.header.tensors) {
    const { tensor, diagnostic } = decodeTensor(file, info);
    if (tensor) tensors.set(info.name, tensor);
    if (diagnostic) diagnostics.push(diagnostic);
  }
  return { tensors, metadata: file.header.metadata, diagnostics };
}

/** A tensor to be written: its name and shape (the values come separately). */
export interface TensorEntry {
  name: string;
  shape: readonly number[];
  /** Stored as U32 words instead of the file's float dtype (packed weights). */
  words?: boolean;
}

/** A tensor of u32 words (packed weights), written as U32. */
export interface WordTensor {
  shape: readonly number[];
  words: Uint32Array;
}

/**
 * The first bytes of a safetensors file holding `entries` in order, all of one float dtype but
 * for word tensors (U32): the 8-byte
 * length and the JSON header, padded with spaces to a multiple of 8 bytes. The data follows.
 */
export function encodeHeader(
  entries: readonly TensorEntry[],
  dtype: WriteDtype,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const size = DTYPE_BYTES[fileDtype(dtype)]!;
  const parts: string[] = [];
  if (Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  const seen = new Set<string>();
  for (const { name, shape, words } of entries) {
    if (name === "__metadata__" || seen.has(name))
      throw new RangeError(`cannot write a tensor named \`${name}\` twice or as __metadata__`);
    seen.add(name);
    const end = offset + sizeOf(shape) * (words ? 4 : size);
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${words ? "U32" : fileDtype(dtype)}","shape":${JSON.stringify(shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  return out;
}

/**
 * Encodes tensors (in the map's order) and metadata as one safetensors file: float tensors in
 * `dtype`, word tensors as U32.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, Tensor | WordTensor>,
  opts: { dtype?: WriteDtype; metadata?: Readonly<Record<string, string>> } = {},
): Uint8Array {
  const dtype = opts.dtype ?? "f32";
  const entries = [...tensors].map(([name, t]) => {
    const count = "words" in t ? t.words.length : t.data.length;
    if (count !== sizeOf(t.shape))
      throw new RangeError(
        `tensor \`${name}\` has ${count} values for shape ${formatShape(t.shape)}`,
      );
    return { name, shape: t.shape, words: "words" in t };
  });
  const head = encodeHeader(entries, dtype, opts.metadata);
  const chunks = [...tensors.values()].map((t) =>
    "words" in t ? wordBytes(t.words) : encodeValues(t.data, dtype),
  );
  const out = new Uint8Array(head.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(head, 0);
  let at = head.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** u32 words as little-endian bytes. */
function wordBytes(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]!, true);
  return bytes;
}

/** The words of a U32 tensor of a parsed file (little-endian). */
export function tensorWords(file: SafetensorsFile, info: TensorInfo): Uint32Array {
  const [start] = info.dataOffsets;
  const base = file.header.dataStart + start;
  const view = new DataView(
    file.bytes.buffer,
    file.bytes.byteOffset + base,
    sizeOf(info.shape) * 4,
  );
  const words = new Uint32Array(sizeOf(info.shape));
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}
