/** Writes that survive a crash once they return: file data and directory entries fsynced. */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** Creates `path` (failing if it exists) with `mode`, writes `bytes` and fsyncs it. */
export function writeNewFileDurably(path: string, bytes: Uint8Array, mode = 0o666): void {
  const fd = openSync(path, "wx", mode);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a directory, so the names in it are durable (best effort: not every file system can). */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a directory; the files in it are synced already
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
