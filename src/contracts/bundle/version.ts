/** The bundle format this Loom writes and the newest it reads (see docs/bundle-format.md). */
export const FORMAT_VERSION = 1;

/** The `format` field of every bundle manifest. */
export const FORMAT_NAME = "loom-bundle";

/**
 * This compiler's version, recorded in every bundle it writes; the package's version
 * (test/package/version.test.ts holds the two equal).
 */
export const COMPILER_VERSION = "0.1.0";
