/**
 * Bundles in a browser: fetched from a URL (the directory `loom compile` wrote, served over HTTP)
 * or given as files (a dropped folder or a multiple-file pick), then checked by the same reader
 * as in Node. The manifest is read and validated first, alone; only then are the files it names
 * fetched or read, a few at a time, each never beyond the size the manifest records. A bad URL or
 * an incomplete drop is a diagnostic, never an exception.
 */
import {
  decodeBundle,
  decodeBundleFiles,
  MANIFEST_NAMED,
  namedFiles,
  readManifest,
  type BundleSource,
  type NamedFile,
  type ReadBundleResult,
} from "../../formats/bundle/read.ts";
import { FileTooLarge } from "../../formats/bundle/file-errors.ts";
import { FETCH_CONCURRENCY } from "../../contracts/bundle/limits.ts";
import { MANIFEST_FILE } from "../../contracts/bundle/manifest.ts";
import { bundleBase, fileUrl } from "./bundle-url.ts";
import { fetchBytes, FetchError, type ByteProgress, type Fetch } from "./fetch.ts";

/** A bundle's files in memory; a file that failed to arrive holds the error to report. */
function memorySource(
  location: string,
  files: ReadonlyMap<string, Uint8Array | Error>,
): BundleSource {
  return {
    location,
    pathOf: (file) => `${location}/${file}`,
    read: (file, maxBytes) => {
      const got = files.get(file);
      if (got === undefined) throw new FetchError("it is not among the files given", "ENOENT");
      if (got instanceof Error) throw got;
      if (got.length > maxBytes) throw new FileTooLarge(maxBytes, 0, got.length);
      return got;
    },
  };
}

/** Gets one file of the bundle, at most `maxBytes`: its bytes, or the error to report. */
type GetFile = (named: NamedFile) => Promise<Uint8Array>;

/** Runs `work` on every item, at most `limit` at once. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * A bundle from files got one by one: the manifest alone, checked; then, only if it is valid,
 * the files it names, `concurrency` at a time.
 */
async function loadLazily(
  location: string,
  get: GetFile,
  concurrency: number,
): Promise<ReadBundleResult> {
  const files = new Map<string, Uint8Array | Error>();
  const source = memorySource(location, files);
  const settle = async (named: NamedFile) => {
    try {
      files.set(named.file, await get(named));
    } catch (error) {
      files.set(named.file, error instanceof Error ? error : new Error(String(error)));
    }
  };
  await settle(MANIFEST_NAMED);
  const read = readManifest(source);
  if (!read.valid) return read;
  await inPool(namedFiles(read.manifest!), Math.max(1, concurrency), settle);
  const checked = decodeBundleFiles(read.manifest!, source);
  return { ...checked, diagnostics: [...read.diagnostics, ...checked.diagnostics] };
}

export interface FetchBundleOptions {
  /** Told of the weights' download. */
  progress?: ByteProgress;
  /** The fetch to use (default: the global one). */
  fetch?: Fetch;
  /** How many files are fetched at once (default FETCH_CONCURRENCY). */
  concurrency?: number;
}

/**
 * Fetches the bundle at `url` (a directory URL, with or without a trailing slash or
 * `/manifest.json`; relative to the page): the manifest, checked, then every kernel's WGSL and
 * the weights, each from inside the bundle's directory and stopped at the size the manifest
 * records.
 */
export async function fetchBundle(
  url: string,
  options: FetchBundleOptions = {},
): Promise<ReadBundleResult> {
  const base = bundleBase(url);
  if (base instanceof Error) {
    const files = new Map<string, Uint8Array | Error>([[MANIFEST_FILE, base]]);
    return decodeBundle(memorySource(url, files));
  }
  const get: GetFile = (named) =>
    fetchBytes(fileUrl(base, named.file), {
      maxBytes: named.maxBytes,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.progress && named.kind === "weights" ? { progress: options.progress } : {}),
    });
  return loadLazily(base.href.replace(/\/$/, ""), get, options.concurrency ?? FETCH_CONCURRENCY);
}

/** A dropped or chosen file: its path relative to what was given, and its contents unread. */
export interface GivenFile {
  path: string;
  file: Blob;
}

/**
 * A bundle from files a user gave (paths relative to what they dropped, e.g.
 * `moby/kernels/embed.wgsl`): the folder holding manifest.json is the bundle. Only the manifest
 * and the files it names are read, each only when its size is within the manifest's.
 */
export async function bundleFromGivenFiles(
  given: readonly GivenFile[],
  concurrency = FETCH_CONCURRENCY,
): Promise<ReadBundleResult> {
  const { root, inside } = bundleFolder(given);
  const get: GetFile = async ({ file, maxBytes }) => {
    const blob = inside.get(file);
    if (blob === undefined) throw new FetchError("it is not among the files given", "ENOENT");
    if (blob.size > maxBytes) throw new FileTooLarge(maxBytes, 0, blob.size);
    return new Uint8Array(await blob.arrayBuffer());
  };
  return loadLazily(root.replace(/\/$/, "") || "dropped files", get, concurrency);
}

/**
 * A bundle from files already in memory, as bundleFromGivenFiles (every file's bytes given, each
 * checked against the size the manifest records).
 */
export function bundleFromFiles(
  files: readonly { path: string; bytes: Uint8Array }[],
): ReadBundleResult {
  const { root, inside } = bundleFolder(files.map((f) => ({ path: f.path, file: f.bytes })));
  return decodeBundle(memorySource(root.replace(/\/$/, "") || "dropped files", inside));
}

/** The folder holding the shallowest manifest.json, and the files under it by relative path. */
function bundleFolder<T>(files: readonly { path: string; file: T }[]): {
  root: string;
  inside: Map<string, T>;
} {
  const manifest = files
    .map((f) => f.path)
    .filter((p) => p === MANIFEST_FILE || p.endsWith(`/${MANIFEST_FILE}`))
    .sort((a, b) => a.length - b.length)[0];
  const root = manifest === undefined ? "" : manifest.slice(0, -MANIFEST_FILE.length);
  const inside = new Map<string, T>();
  for (const f of files) if (f.path.startsWith(root)) inside.set(f.path.slice(root.length), f.file);
  return { root, inside };
}
