/** Bundles on disk (Node): a directory as a BundleSource. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBundle, type BundleSource, type ReadBundleResult } from "./read.ts";

/** A bundle directory on disk. */
export function directorySource(dir: string): BundleSource {
  return {
    location: dir,
    pathOf: (file) => join(dir, file),
    read: (file) => {
      const buffer = readFileSync(join(dir, file));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    },
  };
}

/** Reads and checks the bundle directory `dir`. Never throws. */
export function readBundle(dir: string): ReadBundleResult {
  return decodeBundle(directorySource(dir));
}
