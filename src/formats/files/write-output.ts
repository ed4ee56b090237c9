/**
 * Writing an export's output atomically: a file (model.onnx) or a directory of files
 * (config.json + model.safetensors). The new content goes into a temporary sibling
 * (leftovers.ts), fsynced, then is renamed into place; an existing target is replaced only when
 * asked, and a directory only when it holds nothing but files of the names being written (an
 * earlier export), so no other folder is ever deleted. Throws Node's errors, or an
 * `OutputExistsError` when the target is in the way.
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { syncDirectory, writeNewFileDurably } from "./durable.ts";
import { newWriteTag, siblingPath } from "./leftovers.ts";

/** The output exists and may not be replaced; `why` says so in words. */
export class OutputExistsError extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`\`${path}\` ${why}`);
  }
}

/** What is at `path`: a file, a directory, something else, or nothing. */
function kindAt(path: string): "file" | "directory" | "other" | undefined {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  return stat.isFile() ? "file" : stat.isDirectory() ? "directory" : "other";
}

/** Writes `bytes` to the file `path`; an existing file is replaced only with `force`. */
export function writeOutputFile(path: string, bytes: Uint8Array, force: boolean): void {
  const kind = kindAt(path);
  if (kind) {
    if (!force) throw new OutputExistsError(path, "already exists; pass --force to replace it");
    if (kind !== "file")
      throw new OutputExistsError(path, "exists and is not a file; it was not replaced");
  }
  const temp = siblingPath(path, "tmp", newWriteTag());
  try {
    writeNewFileDurably(temp, bytes);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/**
 * Writes `files` (name → bytes) as the directory `path`. With `force`, an existing directory
 * holding only files named in `files` is replaced; anything else there is refused.
 */
export function writeOutputDirectory(
  path: string,
  files: ReadonlyMap<string, Uint8Array>,
  force: boolean,
): void {
  const kind = kindAt(path);
  const present = kind !== undefined;
  if (present) {
    if (!force) throw new OutputExistsError(path, "already exists; pass --force to replace it");
    if (kind !== "directory")
      throw new OutputExistsError(path, "exists and is not a directory; it was not replaced");
    const others = readdirSync(path).filter((name) => !files.has(name));
    if (others.length > 0)
      throw new OutputExistsError(
        path,
        `holds files an export does not write (${others.slice(0, 3).join(", ")}); it was not replaced`,
      );
  }
  const tag = newWriteTag();
  const temp = siblingPath(path, "tmp", tag);
  const aside = siblingPath(path, "old", tag);
  try {
    mkdirSync(temp);
    for (const [name, bytes] of files) writeNewFileDurably(join(temp, name), bytes);
    syncDirectory(temp);
    if (present) renameSync(path, aside);
    try {
      renameSync(temp, path);
    } catch (error) {
      if (present) renameSync(aside, path);
      throw error;
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  syncDirectory(dirname(path));
  if (present) rmSync(aside, { recursive: true, force: true });
}
