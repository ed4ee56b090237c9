/**
 * Bundles on disk (Node): a directory as a BundleSource that reads only regular files inside the
 * directory (a symbolic link leading out of it is OutsideBundle) and never more of a file than
 * its cap (a larger file is FileTooLarge, found by its size before reading it).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { join, relative, isAbsolute, sep } from "node:path";
import { FileTooLarge, OutsideBundle } from "./file-errors.ts";
import { decodeBundle, type BundleSource, type ReadBundleResult } from "./read.ts";

/** A bundle directory on disk. */
export function directorySource(dir: string): BundleSource {
  return {
    location: dir,
    pathOf: (file) => join(dir, file),
    read: (file, maxBytes) => readCapped(insideDir(dir, file), maxBytes),
  };
}

/** Reads and checks the bundle directory `dir`. Never throws. */
export function readBundle(dir: string): ReadBundleResult {
  return decodeBundle(directorySource(dir));
}

/** The real path of `file` in `dir`, links resolved; OutsideBundle when it leaves `dir`. */
function insideDir(dir: string, file: string): string {
  const real = realpathSync(join(dir, file));
  const within = relative(realpathSync(dir), real);
  if (within === "" || within === ".." || within.startsWith(`..${sep}`) || isAbsolute(within))
    throw new OutsideBundle(real);
  return real;
}

/** A regular file's bytes, at most `maxBytes`; a larger file is not read at all. */
function readCapped(path: string, maxBytes: number): Uint8Array {
  // stat before open: opening a FIFO or a device could block or have effects.
  const stat = statSync(path);
  if (stat.isDirectory()) throw Object.assign(new Error("it is a directory"), { code: "EISDIR" });
  if (!stat.isFile()) throw new Error("it is not a regular file");
  if (stat.size > maxBytes) throw new FileTooLarge(maxBytes, 0, stat.size);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw new FileTooLarge(maxBytes, 0, size);
    // One byte more than its size, so a file that grew since the stat is noticed, not cut.
    const bytes = new Uint8Array(size + 1);
    let received = 0;
    while (received < bytes.length) {
      const n = readSync(fd, bytes, received, bytes.length - received, null);
      if (n === 0) break;
      received += n;
    }
    if (received > maxBytes) throw new FileTooLarge(maxBytes, received);
    if (received > size) throw new Error("it changed while it was read");
    return bytes.subarray(0, received);
  } finally {
    closeSync(fd);
  }
}
