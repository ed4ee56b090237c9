/**
 * Why a bundle source refused to read a file, beyond the file system's own errors: it is larger
 * than the loader reads (E0623), or it lies outside the bundle (E0622). Thrown by a BundleSource's
 * `read` and turned into diagnostics by the reader.
 */

/** A file larger than `limit` bytes; `received` bytes were read before stopping. */
export class FileTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly received: number,
    /** The file's whole size, when it was known without reading it (a stat, Content-Length). */
    readonly size?: number,
  ) {
    super(
      `it is larger than ${limit} bytes${size !== undefined ? ` (${size} bytes)` : ""}; reading stopped after ${received} bytes`,
    );
  }
}

/** A file that resolves outside the bundle, to `resolved` (a path or a URL). */
export class OutsideBundle extends Error {
  constructor(readonly resolved: string) {
    super(`it resolves to ${resolved}, outside the bundle`);
  }
}
