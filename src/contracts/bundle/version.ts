/** The bundle format this Loom writes and the newest it reads (see docs/bundle-format.md). */
export const FORMAT_VERSION = 3;

/**
 * Older versions this Loom refuses (E0621), with why: their manifests do not record what a loader
 * needs to bound its reads, so they must be recompiled.
 */
export const REFUSED_VERSIONS: Readonly<Record<number, string>> = {
  1: "its manifest records no byte size for the kernels' WGSL files, so a loader cannot bound what it reads",
  2: "its manifest records no weight formats (weights.format and weights.formats)",
};

/** The `format` field of every bundle manifest. */
export const FORMAT_NAME = "loom-bundle";

/**
 * This compiler's version, recorded in every bundle it writes; the package's version
 * (test/package/version.test.ts holds the two equal).
 */
export const COMPILER_VERSION = "0.1.0";
