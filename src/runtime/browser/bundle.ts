/**
 * Bundles in a browser: fetched from a URL (the directory `loom compile` wrote, served over HTTP)
 * or given as files (a dropped folder or a multiple-file pick), then checked by the same
 * decodeBundle as in Node. A bad URL or an incomplete drop is a diagnostic, never an exception.
 */
import {
  decodeBundle,
  type BundleSource,
  type ReadBundleResult,
} from "../../formats/bundle/read.ts";
import { MANIFEST_FILE } from "../../contracts/bundle/manifest.ts";
import { fetchBytes, FetchError, type ByteProgress } from "./fetch.ts";

/** A bundle's files in memory; a file that failed to arrive holds the error to report. */
function memorySource(
  location: string,
  files: ReadonlyMap<string, Uint8Array | Error>,
): BundleSource {
  return {
    location,
    pathOf: (file) => `${location}/${file}`,
    read: (file) => {
      const got = files.get(file);
      if (got === undefined) throw new FetchError("it is not among the files given", "ENOENT");
      if (got instanceof Error) throw got;
      return got;
    },
  };
}

/** The files a manifest names (kernels' WGSL, then the weights), or none when it is unreadable. */
function filesNamed(manifest: Uint8Array): { wgsl: string[]; weights?: string } {
  try {
    const json = JSON.parse(new TextDecoder().decode(manifest)) as {
      plan?: { kernels?: { wgslFile?: unknown }[] };
      weights?: { file?: unknown };
    };
    const wgsl = (json.plan?.kernels ?? [])
      .map((k) => k.wgslFile)
      .filter((f): f is string => typeof f === "string");
    const weights = typeof json.weights?.file === "string" ? json.weights.file : undefined;
    return { wgsl, ...(weights !== undefined ? { weights } : {}) };
  } catch {
    return { wgsl: [] }; // decodeBundle reports the manifest itself
  }
}

/** The file's bytes, or the error to report when it cannot be fetched. */
async function fetchOrError(url: string, progress?: ByteProgress): Promise<Uint8Array | Error> {
  try {
    return await fetchBytes(url, progress);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Fetches the bundle at `url` (a directory URL, with or without a trailing slash or
 * `/manifest.json`): the manifest, every kernel's WGSL, then the weights with `progress`.
 */
export async function fetchBundle(url: string, progress?: ByteProgress): Promise<ReadBundleResult> {
  const base = url.replace(/\/(manifest\.json)?$/, "");
  const files = new Map<string, Uint8Array | Error>();
  const manifest = await fetchOrError(`${base}/${MANIFEST_FILE}`);
  files.set(MANIFEST_FILE, manifest);
  if (!(manifest instanceof Error)) {
    const named = filesNamed(manifest);
    await Promise.all(
      named.wgsl.map(async (f) => files.set(f, await fetchOrError(`${base}/${f}`))),
    );
    if (named.weights !== undefined)
      files.set(named.weights, await fetchOrError(`${base}/${named.weights}`, progress));
  }
  return decodeBundle(memorySource(base, files));
}

/**
 * A bundle from files a user gave (paths relative to what they dropped, e.g.
 * `moby/kernels/embed.wgsl`): the folder holding manifest.json is the bundle.
 */
export function bundleFromFiles(
  files: readonly { path: string; bytes: Uint8Array }[],
): ReadBundleResult {
  const manifest = files
    .map((f) => f.path)
    .filter((p) => p === MANIFEST_FILE || p.endsWith(`/${MANIFEST_FILE}`))
    .sort((a, b) => a.length - b.length)[0];
  const root = manifest === undefined ? "" : manifest.slice(0, -MANIFEST_FILE.length);
  const inside = new Map<string, Uint8Array | Error>();
  for (const f of files)
    if (f.path.startsWith(root)) inside.set(f.path.slice(root.length), f.bytes);
  return decodeBundle(memorySource(root.replace(/\/$/, "") || "dropped files", inside));
}
