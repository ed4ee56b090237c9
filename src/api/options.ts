/** The choices a command line offers, from modules light enough to load at start. */
export { LAYOUTS, type LayoutOption } from "../formats/weights/layouts/map.ts";
export type { WriteDtype } from "../formats/weights/dtypes.ts";
export { COMPILER_VERSION } from "../contracts/bundle/version.ts";
export { EXPORT_FORMATS, type ExportFormat } from "../compiler/export/formats.ts";
export { WEIGHT_FORMATS, type WeightFormat } from "../contracts/weight-format.ts";
