/** The formats `loom export` writes (docs/export.md). */
export const EXPORT_FORMATS = ["hf", "onnx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
