/// <reference types="@webgpu/types" preserve="true" />
/**
 * Loom's library API for Node: check specs, count their cost, format them, compile them to
 * bundles, load a spec or bundle, put it on a WebGPU device and run or generate. docs/api.md
 * describes it with examples. Every failure is a LoomError carrying coded diagnostics.
 */
export * from "./check.ts";
export * from "./summary.ts";
export * from "./format.ts";
export * from "./language.ts";
export {
  importHuggingFaceConfig,
  IMPORT_FAMILIES,
  type HfImportOptions,
  type ImportedSpec,
} from "./import.ts";
export {
  EXPORT_FORMATS,
  exportModel,
  exportToMemory,
  HF_CONFIG_FILE,
  HF_WEIGHTS_FILE,
  ONNX_FILE,
  type ExportedModel,
  type ExportFormat,
  type ExportOptions,
} from "./export.ts";
export {
  compileSpec,
  defaultLower,
  encodeCompiled,
  writeCompiledBundle,
  type CompileOptions,
  type CompiledModel,
  type Lower,
  type LowerResult,
} from "./compile.ts";
export {
  checkedModel,
  isBundle,
  loadBundle,
  loadModel,
  type LoadedModel,
  type LoadModelOptions,
} from "./model.ts";
export {
  openNodeDevice,
  openOnDevice,
  planForAdapter,
  WebGpuModel,
  type AcquiredDevice,
  type KernelTimes,
  type LoadProgress,
  type OpenOptions,
} from "./device.ts";
export { generateText, type GeneratedToken, type GenerateTextOptions } from "./generate.ts";
export { runModel } from "./run.ts";
export {
  embeddingSignature,
  embedSentences,
  rankBySimilarity,
  type EmbeddingSignature,
  type Embeddings,
  type EmbedOptions,
  type Ranked,
} from "./embed.ts";
export { assembleInputs, readInputFile } from "./inputs.ts";
export { hasErrors, InputError, LoomError, type LoomErrorDetails } from "./errors.ts";
export {
  BUILTIN_PROFILES,
  COMPILER_VERSION,
  decodeBundle,
  DEFAULT_PROFILE,
  FORMAT_VERSION,
  loadDeviceProfile,
  readBundle,
  type BundleManifest,
  type BundleSource,
  type DeviceProfile,
  type ReadBundleResult,
} from "./bundle.ts";
export {
  initWeights,
  LAYOUTS,
  loadWeights,
  parseWeightMap,
  readSafetensors,
  writeSafetensors,
  type LayoutOption,
  type Tensor,
  type WeightMapRules,
} from "./weights.ts";
export { weightMapFor, weightMapPath } from "./weight-map.ts";
export { createTokenizer, isTokenizerError, type Tokenizer } from "../runtime/tokenizers/index.ts";
export { tuneMatmulTiles } from "./tune.ts";
export {
  BANDWIDTH_BYTES,
  decodeWeightBytes,
  measureDeviceBandwidth,
  type ReadBandwidth,
} from "./bandwidth.ts";
