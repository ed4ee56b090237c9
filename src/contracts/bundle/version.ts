import packageJson from "../../../package.json" with { type: "json" };

/** The bundle format this Loom writes and the newest it reads (see docs/bundle-format.md). */
export const FORMAT_VERSION = 1;

/** The `format` field of every bundle manifest. */
export const FORMAT_NAME = "loom-bundle";

/** This compiler's version (package.json), recorded in every bundle it writes. */
export const COMPILER_VERSION: string = packageJson.version;
