/**
 * Replacing a file's content atomically: the new bytes go into a temporary sibling
 * (`.NAME.loom-tmp-…`, leftovers.ts), which is fsynced, given the original's mode and renamed over
 * the original; then the directory is fsynced. A crash at any moment leaves the old content or the
 * new, never a truncated or partial file; a killed run's temporary file is deleted by the next
 * replacement of the same file and never ends in `.loom`, so no spec search picks it up.
 */
import { chmodSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { syncDirectory, writeNewFileDurably } from "./durable.ts";
import { deadLeftovers, newWriteTag, siblingPath } from "./leftovers.ts";

/** Replaces the file at `path` (following symlinks) with `bytes`, keeping its mode. Throws Node's errors. */
export function replaceFileAtomically(path: string, bytes: Uint8Array): void {
  const target = realpathSync(path);
  const mode = statSync(target).mode & 0o7777;
  for (const leftover of deadLeftovers(target))
    if (leftover.kind === "tmp") removeQuietly(leftover.path);
  const temp = siblingPath(target, "tmp", newWriteTag());
  try {
    writeNewFileDurably(temp, bytes, mode);
    chmodSync(temp, mode); // the umask may have cleared bits of the mode
    renameSync(temp, target);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  syncDirectory(dirname(target));
}

/** Deletes a temporary file; a failure must not hide the error being reported. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // left for the next replacement of the same file
  }
}
