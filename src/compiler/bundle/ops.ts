/** The file-system operations the bundle writer uses; tests replace one to inject a failure. */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { syncDirectory, writeNewFileDurably } from "../../formats/files/durable.ts";

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
  mkdir: (path) => mkdirSync(path),
  writeFile: (path, bytes) => writeNewFileDurably(path, bytes),
  syncDir: syncDirectory,
  rename: (from, to) => renameSync(from, to),
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
};

/** Runs a clean-up step whose failure must not hide the error being reported. */
export function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // nothing more can be done; a later write's recovery deletes what is left
  }
}
