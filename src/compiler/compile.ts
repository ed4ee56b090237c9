import { checkModel } from "./check/check.ts";
import {
  DiagnosticBag,
  sortDiagnostics,
  type Diagnostic,
} from "../contracts/diagnostics/diagnostic.ts";
import { elaborateModel } from "./elaborate/elaborate.ts";
import { loadSpec, type LoadedSpec, type ReadFile } from "./elaborate/load.ts";
import { SymbolRecorder, type SymbolOccurrence } from "./elaborate/symbols.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { SourceSet } from "../contracts/source.ts";

/** The result of checking one spec file: every model it defines, typed when clean. */
export interface CheckResult {
  sources: SourceSet;
  /** Each model in the file, with its typed IR when it checked without errors. */
  models: { name: string; ir?: TypedIr }[];
  diagnostics: Diagnostic[];
}

/** One model's resolved names, for editor queries; tensor ids are those of its IR. */
export interface ModelSymbols {
  name: string;
  ir?: TypedIr;
  occurrences: SymbolOccurrence[];
}

/** A check that also kept what the editor asks about: the parsed files and every name resolved. */
export interface AnalysedSpec extends CheckResult {
  loaded: LoadedSpec;
  symbols: ModelSymbols[];
}

/** Parses, elaborates and shape-checks one spec file: the whole front end, diagnostics collected. */
export function checkSpec(path: string, read: ReadFile, sources = new SourceSet()): CheckResult {
  const { models, diagnostics } = frontEnd(path, read, sources, false);
  return { sources, models, diagnostics };
}

/** Checks one spec file as checkSpec does, recording every name each model resolves. */
export function analyseSpec(path: string, read: ReadFile, sources = new SourceSet()): AnalysedSpec {
  return frontEnd(path, read, sources, true);
}

function frontEnd(path: string, read: ReadFile, sources: SourceSet, record: boolean): AnalysedSpec {
  const loaded = loadSpec(path, read, sources);
  const symbols: ModelSymbols[] = [];
  const bag = new DiagnosticBag();
  bag.items.push(...loaded.diagnostics);
  const models: CheckResult["models"] = [];
  const syntaxOk = !loaded.diagnostics.some((d) => d.severity === "error");
  if (syntaxOk) {
    for (const model of loaded.models) {
      const modelBag = new DiagnosticBag();
      const recorder = record ? new SymbolRecorder() : undefined;
      const elaborated = elaborateModel(model, loaded, modelBag, recorder);
      const ir = checkModel(elaborated, modelBag);
      bag.items.push(...modelBag.items);
      const name = model.name.name;
      models.push({ name, ...(ir ? { ir } : {}) });
      if (recorder)
        symbols.push({ name, ...(ir ? { ir } : {}), occurrences: recorder.occurrences });
    }
  }
  const diagnostics = sortDiagnostics(dedupe(bag.items));
  return { sources, models, diagnostics, loaded, symbols };
}

/** Blocks expanded many times report the same mistake once. */
function dedupe(items: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return items.filter((d) => {
    const key = `${d.code}|${d.span.file}|${d.span.start}|${d.span.end}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
