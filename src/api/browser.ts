/// <reference types="@webgpu/types" preserve="true" />
/**
 * Loom in a browser page: check and render specs, fetch or drop bundles, put a model on the
 * page's WebGPU device and generate. No Node built-ins are reached from here.
 */
export { checkSpec, type CheckResult } from "../compiler/compile.ts";
export type { Diagnostic, Severity } from "../contracts/diagnostics/diagnostic.ts";
export { renderGithub } from "../contracts/diagnostics/render-github.ts";
export { renderJson } from "../contracts/diagnostics/render-json.ts";
export { renderPretty, summaryLine } from "../contracts/diagnostics/render.ts";
export { SourceFile, SourceSet, type Span } from "../contracts/source.ts";
export type { TypedIr, TypedNode } from "../contracts/ir/schema.ts";
export type { KernelPlan } from "../contracts/plan/schema.ts";
export type { Tensor } from "../contracts/tensor.ts";
export { generationPlan, type GenerationPlan } from "../contracts/ir/generation-plan.ts";
export { decodeBundle, type BundleSource, type ReadBundleResult } from "../formats/bundle/read.ts";
export { declaredWeights } from "../formats/weights/declared.ts";
export { initWeights } from "../formats/weights/init.ts";
export { loadWeights } from "../formats/weights/load.ts";
export { parseWeightMap, type WeightMapRules } from "../formats/weights/map/parse.ts";
export { fetchBytes, type ByteProgress, type Fetch } from "../runtime/browser/fetch.ts";
export type { WeightMap } from "../runtime/reference/executor.ts";
export { createTokenizer, isTokenizerError, type Tokenizer } from "../runtime/tokenizers/index.ts";
export { readAttentionMap } from "../runtime/webgpu/attention-map.ts";
export { generateOnDevice } from "../runtime/webgpu/generate.ts";
export {
  embeddingSignature,
  embedTexts,
  rankBySimilarity,
  type EmbeddingSignature,
  type Embeddings,
  type Ranked,
} from "../runtime/embed.ts";
export type { GenerateOptions } from "../runtime/generate.ts";
export { WebGpuModel, type LoadProgress } from "../runtime/webgpu/session.ts";
export {
  bundleFromFiles,
  bundleFromGivenFiles,
  fetchBundle,
  type FetchBundleOptions,
  type GivenFile,
} from "./browser-bundle.ts";
export { openInBrowser, pageDevice, type BrowserModel } from "./browser-open.ts";
export { LoomError, InputError } from "./errors.ts";
/** The lexer and its token types, for editors that highlight spec text. */
export * as syntax from "../../grammar/tokens.ts";
