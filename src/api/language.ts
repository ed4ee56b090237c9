/**
 * Editor queries on a spec, for the language server (language-server/) and other tools: the
 * checker's result with every name it resolved, definitions, renames, hovers with shapes, and
 * completion.
 */
import { analyseSpec, type AnalysedSpec } from "../compiler/compile.ts";
import type { ReadFile } from "../compiler/elaborate/load.ts";
import { SpecIndex } from "../compiler/query/spec-index.ts";

export type { AnalysedSpec, ModelSymbols } from "../compiler/compile.ts";
export type { SymbolKind, SymbolOccurrence } from "../compiler/elaborate/symbols.ts";
export { SpecIndex, type Located, type RenameResult } from "../compiler/query/spec-index.ts";
export { shapeText } from "../compiler/query/hover.ts";
export { completeAt, type CompletionEntry } from "../compiler/query/completion.ts";

/** Checks one spec file and indexes its names: the diagnostics and the queries, from one run. */
export function indexSpec(path: string, read: ReadFile): { spec: AnalysedSpec; index: SpecIndex } {
  const spec = analyseSpec(path, read);
  return { spec, index: new SpecIndex(spec) };
}
