/**
 * Writing a bundle directory atomically. Every file goes into a temporary directory beside OUT
 * (`.OUT.loom-tmp-…`: same parent, so renames stay on one file system) and is fsynced, and so are
 * the directories. Then the swap: an existing bundle at OUT is renamed aside (`.OUT.loom-old-…`),
 * the new one renamed to OUT, the parent fsynced, and the old one renamed to `.OUT.loom-del-…` and
 * deleted. An empty directory at OUT is replaced by the one rename. Any failure deletes the
 * temporary directory and leaves OUT as it was.
 *
 * POSIX has no atomic exchange of two directories, so between the two renames OUT does not exist;
 * a process killed there leaves the whole old bundle aside, and the next write of OUT renames it
 * back before anything else (recover.ts). So OUT names the old bundle or the new one, complete,
 * at every moment but that one, and after the next write's recovery at every moment.
 *
 * An existing OUT is replaced only with `force`, and only if it is a bundle or an empty directory
 * (replaceable.ts, E0640).
 */
import { lstatSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { newWriteTag, siblingPath } from "../../formats/files/leftovers.ts";
import { encodeBundle, type BundleContent, type EncodedBundle } from "./encode.ts";
import { nodeWriteOps, quietly, type WriteOps } from "./ops.ts";
import { recoverInterruptedWrite } from "./recover.ts";
import { replaceability } from "./replaceable.ts";

export interface WriteBundleOptions {
  /** Replace an existing bundle at OUT. */
  force?: boolean;
  /** File-system operations (tests inject failures). */
  ops?: WriteOps;
}

export interface WriteBundleResult {
  /** What was written; absent when nothing was (see diagnostics, E0615 and E0640). */
  written?: EncodedBundle;
  /** Errors when nothing was written; W0641 when an interrupted write was recovered first. */
  diagnostics: Diagnostic[];
}

/** Encodes `content` and writes it as the bundle directory `outDir`, atomically. */
export function writeBundle(
  outDir: string,
  content: BundleContent,
  opts: WriteBundleOptions = {},
): WriteBundleResult {
  return writeEncodedBundle(outDir, encodeBundle(content), opts);
}

/** Writes an already encoded bundle as the directory `outDir`, atomically. */
export function writeEncodedBundle(
  outDir: string,
  encoded: EncodedBundle,
  opts: WriteBundleOptions = {},
): WriteBundleResult {
  const ops = opts.ops ?? nodeWriteOps;
  const bag = new DiagnosticBag();
  const span = { file: outDir, start: 0, end: 0 };
  const fail = (message: string, hint: string) => {
    bag.report("E0615", span, message, { hint });
    return { diagnostics: bag.items };
  };
  const target = resolve(outDir);
  const parent = dirname(target);

  if (!statOf(parent)?.isDirectory())
    return fail(
      `cannot write \`${outDir}\`: its parent directory \`${parent}\` does not exist`,
      "create the parent directory first",
    );
  bag.items.push(...recoverInterruptedWrite(target, ops));

  const existing = lstatOf(target);
  let replacesBundle = false;
  if (existing) {
    if (!opts.force)
      return fail(
        `\`${outDir}\` already exists`,
        "pass --force to replace it (a bundle is replaced only once the new one is complete), or choose another --out",
      );
    const what = replaceability(target, existing);
    if (what.kind === "refused") {
      bag.report("E0640", span, `\`${outDir}\` exists and ${what.why}; it was not replaced`, {
        notes: what.notes,
        hint: "--force replaces only a Loom bundle or an empty directory; choose another --out, or move it away yourself",
      });
      return { diagnostics: bag.items };
    }
    replacesBundle = what.kind === "bundle";
  }

  const tag = newWriteTag();
  const temp = siblingPath(target, "tmp", tag);
  const aside = siblingPath(target, "old", tag);
  let step = "create a temporary directory";
  try {
    ops.mkdir(temp);
    const dirs = new Set<string>();
    for (const file of encoded.files) {
      const dir = dirname(file.path);
      if (dir !== "." && !dirs.has(dir)) {
        step = `create ${dir}/`;
        ops.mkdir(join(temp, dir));
        dirs.add(dir);
      }
      step = `write ${file.path}`;
      ops.writeFile(join(temp, file.path), file.bytes);
    }
    step = "sync the bundle's directories";
    for (const dir of dirs) ops.syncDir(join(temp, dir));
    ops.syncDir(temp);
  } catch (error) {
    quietly(() => ops.removeTree(temp));
    return fail(
      `cannot write \`${outDir}\`: failed to ${step}: ${reason(error)}`,
      "check the free space and permissions of the directory; nothing was changed",
    );
  }

  let movedAside = false;
  try {
    if (replacesBundle) {
      step = `move the old \`${outDir}\` aside`;
      ops.rename(target, aside);
      movedAside = true;
    }
    step = `rename the new bundle to \`${outDir}\``;
    ops.rename(temp, target);
    ops.syncDir(parent);
  } catch (error) {
    if (movedAside) {
      try {
        ops.rename(aside, target);
      } catch {
        quietly(() => ops.removeTree(temp));
        return fail(
          `cannot write \`${outDir}\`: failed to ${step}: ${reason(error)}; the old bundle is at \`${aside}\``,
          `move \`${aside}\` back to \`${outDir}\` (the next \`loom compile\` to it does so)`,
        );
      }
    }
    quietly(() => ops.removeTree(temp));
    return fail(
      `cannot write \`${outDir}\`: failed to ${step}: ${reason(error)}`,
      "check the permissions of the directory; nothing was changed",
    );
  }
  // The new bundle is in place. The old one is renamed before it is deleted, so a `.loom-old-`
  // sibling is always whole; what cannot be deleted now, the next write's recovery deletes.
  if (movedAside) {
    const trash = siblingPath(target, "del", tag);
    quietly(() => {
      ops.rename(aside, trash);
      ops.removeTree(trash);
    });
  }
  return { written: encoded, diagnostics: bag.items };
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function lstatOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EEXIST") return "a file of the same name exists";
  if (code === "ENOTEMPTY") return "the directory is not empty";
  return error instanceof Error ? error.message : String(error);
}
