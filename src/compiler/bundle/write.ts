/**
 * Writing a bundle directory atomically: every file goes into a temporary directory beside OUT
 * (same parent, so renames stay on one file system), each is fsynced, then the directory is
 * renamed into place. An existing OUT is replaced only with `force`, only if it is a bundle (or
 * empty), and only after the new one is complete: it is renamed aside, the new one renamed in, and
 * then the old one deleted. Any failure deletes the temporary directory and leaves OUT as it was.
 *
 * POSIX has no atomic swap of two directories, so between the two renames OUT briefly does not
 * exist; a crash there leaves the old bundle beside it as `.OUT.loom-old-…`.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { encodeBundle, type BundleContent, type EncodedBundle } from "./encode.ts";
import { MANIFEST_FILE } from "../../contracts/bundle/manifest.ts";
import { FORMAT_NAME } from "../../contracts/bundle/version.ts";

/** The file-system operations the writer uses; tests replace one to inject a failure. */
export interface WriteOps {
  mkdir(path: string): void;
  /** Creates `path` (failing if it exists), writes `bytes` and fsyncs it. */
  writeFile(path: string, bytes: Uint8Array): void;
  /** fsyncs a directory, so the names in it are durable (best effort). */
  syncDir(path: string): void;
  rename(from: string, to: string): void;
  removeTree(path: string): void;
}

export const nodeWriteOps: WriteOps = {
  mkdir: (path) => fs.mkdirSync(path),
  writeFile: (path, bytes) => {
    const fd = fs.openSync(path, "wx");
    try {
      let at = 0;
      while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  syncDir: (path) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, "r");
      fs.fsyncSync(fd);
    } catch {
      // some file systems cannot fsync a directory; the data files are synced already
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  rename: (from, to) => fs.renameSync(from, to),
  removeTree: (path) => fs.rmSync(path, { recursive: true, force: true }),
};

export interface WriteBundleOptions {
  /** Replace an existing bundle at OUT. */
  force?: boolean;
  /** File-system operations (tests inject failures). */
  ops?: WriteOps;
}

export interface WriteBundleResult {
  /** What was written; absent when nothing was (see diagnostics, E0615). */
  written?: EncodedBundle;
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
  const name = basename(target);

  const existing = statOf(target);
  if (existing) {
    if (!opts.force)
      return fail(
        `\`${outDir}\` already exists`,
        "pass --force to replace it (a bundle is replaced only once the new one is complete), or choose another --out",
      );
    const why = notReplaceable(target, existing);
    if (why)
      return fail(
        `\`${outDir}\` exists and ${why}; it will not be replaced`,
        "--force replaces only a Loom bundle or an empty directory; choose another --out",
      );
  }
  if (!statOf(parent)?.isDirectory())
    return fail(
      `cannot write \`${outDir}\`: its parent directory \`${parent}\` does not exist`,
      "create the parent directory first",
    );

  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temp = join(parent, `.${name}.loom-tmp-${tag}`);
  const aside = join(parent, `.${name}.loom-old-${tag}`);
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
    if (existing) {
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
          `move \`${aside}\` back to \`${outDir}\``,
        );
      }
    }
    quietly(() => ops.removeTree(temp));
    return fail(
      `cannot write \`${outDir}\`: failed to ${step}: ${reason(error)}`,
      "check the permissions of the directory; nothing was changed",
    );
  }
  // The new bundle is in place; if the old one cannot be deleted it is left beside it.
  if (movedAside) quietly(() => ops.removeTree(aside));
  return { written: encoded, diagnostics: [] };
}

/** Runs a clean-up step whose failure must not hide the error being reported. */
function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // nothing more can be done
  }
}

function statOf(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}

/** Why an existing path may not be replaced by a bundle, or undefined if it may. */
function notReplaceable(path: string, stat: fs.Stats): string | undefined {
  if (!stat.isDirectory()) return "is not a directory";
  let entries: string[];
  try {
    entries = fs.readdirSync(path);
  } catch (error) {
    return `cannot be listed (${reason(error)})`;
  }
  if (entries.length === 0) return undefined;
  try {
    const manifest = JSON.parse(fs.readFileSync(join(path, MANIFEST_FILE), "utf8")) as unknown;
    if (
      typeof manifest === "object" &&
      manifest !== null &&
      (manifest as { format?: unknown }).format === FORMAT_NAME
    )
      return undefined;
  } catch {
    // fall through: not a bundle
  }
  return `is not a Loom bundle (it has no ${MANIFEST_FILE} with format "${FORMAT_NAME}")`;
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EEXIST") return "a file of the same name exists";
  return error instanceof Error ? error.message : String(error);
}
