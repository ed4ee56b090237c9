/** Weights files: safetensors reading and writing, Hugging Face name maps, the seeded initialiser. */
export { declaredWeights } from "../formats/weights/declared.ts";
export { encodeValues, WRITE_DTYPES, type WriteDtype } from "../formats/weights/dtypes.ts";
export { initChunks, INIT_DESCRIPTION, initWeights, isSeed } from "../formats/weights/init.ts";
export {
  LAYOUT_METADATA_KEY,
  LAYOUTS,
  isLayoutOption,
  type LayoutOption,
} from "../formats/weights/layouts/index.ts";
export { bindWeights, loadWeights } from "../formats/weights/load.ts";
export { parseWeightMap, type WeightMapRules } from "../formats/weights/map/parse.ts";
export { WEIGHT_MAP_FORMAT } from "../formats/weights/map/schema.ts";
export {
  encodeHeader,
  fileSpan,
  headerLength,
  MAX_HEADER_BYTES,
  parseHeader,
  readSafetensors,
  writeSafetensors,
  type SafetensorsHeader,
} from "../formats/weights/safetensors.ts";
export { sizeOf, type Tensor } from "../contracts/tensor.ts";
