/** The formats `loom export` writes (docs/export.md). */
export const EXPORT_FORMATS = ["hf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
