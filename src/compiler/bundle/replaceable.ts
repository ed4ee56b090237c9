/**
 * What `--force` may replace at OUT: a Loom bundle (a directory whose manifest validates, or is
 * a Loom manifest of an older format version, and that holds nothing but the files that manifest
 * names) or an empty directory. Anything else (a file,
 * a symbolic link, a home or source folder, a bundle with the user's own files added) is refused
 * (E0640), so a mistyped --out never deletes what Loom did not write.
 */
import { lstatSync, readdirSync, readFileSync, type Stats } from "node:fs";
import { join } from "node:path";
import { MAX_MANIFEST_BYTES } from "../../contracts/bundle/limits.ts";
import { MANIFEST_FILE, type BundleManifest } from "../../contracts/bundle/manifest.ts";
import { FORMAT_VERSION } from "../../contracts/bundle/version.ts";
import { directorySource } from "../../formats/bundle/directory.ts";
import { readManifest } from "../../formats/bundle/read.ts";

export type Replaceable =
  | { kind: "bundle" }
  | { kind: "empty" }
  /** `why` completes "`OUT` exists and …". */
  | { kind: "refused"; why: string; notes: string[] };

/** Whether the existing `path` (with its lstat) may be replaced by a new bundle. */
export function replaceability(path: string, stat: Stats): Replaceable {
  const refused = (why: string, notes: string[] = []): Replaceable => ({
    kind: "refused",
    why,
    notes,
  });
  if (stat.isSymbolicLink()) return refused("is a symbolic link");
  if (!stat.isDirectory()) return refused("is not a directory");
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (error) {
    return refused(`cannot be listed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (entries.length === 0) return { kind: "empty" };
  if (!entries.includes(MANIFEST_FILE))
    return refused(`has no ${MANIFEST_FILE}: it is not a bundle`);
  const { manifest, diagnostics, valid } = readManifest(directorySource(path));
  const files = valid && manifest ? bundleFiles(manifest) : olderBundleFiles(path);
  if (!files)
    return refused(
      `its ${MANIFEST_FILE} does not validate`,
      diagnostics.slice(0, 3).map((d) => d.message),
    );
  let foreign: string | undefined;
  try {
    foreign = foreignEntry(path, "", files);
  } catch (error) {
    return refused(`cannot be listed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (foreign !== undefined)
    return refused(`holds \`${foreign}\`, which is not a file of the bundle`, [
      `a bundle holds only ${MANIFEST_FILE}, its weights file, the kernels' WGSL files and the tokenizer.json its manifest names`,
    ]);
  return { kind: "bundle" };
}

/**
 * The files a Loom manifest of an older format version names (its weights file and kernels'
 * WGSL files, read from the JSON as those versions wrote them), or undefined when the manifest is
 * not one: recompiling an old bundle in place with --force replaces it like a current one.
 */
function olderBundleFiles(path: string): Set<string> | undefined {
  let json: unknown;
  try {
    const bytes = readFileSync(join(path, MANIFEST_FILE));
    if (bytes.length > MAX_MANIFEST_BYTES) return undefined;
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  const m = json as {
    format?: unknown;
    formatVersion?: unknown;
    weights?: { file?: unknown };
    plan?: { kernels?: { wgslFile?: unknown }[] };
  };
  const version = m.formatVersion;
  const isName = (name: unknown): name is string =>
    typeof name === "string" && name.length > 0 && !name.split("/").includes("..");
  const kernels = Array.isArray(m.plan?.kernels) ? m.plan.kernels : undefined;
  if (
    m.format !== "loom-bundle" ||
    !Number.isInteger(version) ||
    (version as number) < 1 ||
    (version as number) >= FORMAT_VERSION ||
    !isName(m.weights?.file) ||
    !kernels?.every((k) => isName(k?.wgslFile))
  )
    return undefined;
  return new Set([MANIFEST_FILE, m.weights.file, ...kernels.map((k) => k.wgslFile as string)]);
}

/** The relative paths of the files the manifest names. */
function bundleFiles(manifest: BundleManifest): Set<string> {
  return new Set([
    MANIFEST_FILE,
    manifest.weights.file,
    ...manifest.plan.kernels.map((k) => k.wgslFile),
    ...(manifest.tokenizer?.file ? [manifest.tokenizer.file.file] : []),
  ]);
}

/** The first entry under `dir/relative` that is neither a bundle file nor a folder of one. */
function foreignEntry(dir: string, relative: string, files: Set<string>): string | undefined {
  for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isFile() && files.has(path)) continue;
    if (entry.isDirectory() && [...files].some((f) => f.startsWith(`${path}/`))) {
      const inside = foreignEntry(dir, path, files);
      if (inside !== undefined) return inside;
      continue;
    }
    return entry.isDirectory() ? `${path}/` : path;
  }
  return undefined;
}
