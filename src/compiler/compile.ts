import { checkModel } from "./check/check.ts";
import {
  DiagnosticBag,
  sortDiagnostics,
  type Diagnostic,
} from "../contracts/diagnostics/diagnostic.ts";
import { elaborateModel } from "./elaborate/elaborate.ts";
import { loadSpec, type ReadFile } from "./elaborate/load.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { SourceSet } from "../contracts/source.ts";

/** The result of checking one spec file: every model it defines, typed when clean. */
export interface CheckResult {
  sources: SourceSet;
  /** Each model in the file, with its typed IR when it checked without errors. */
  models: { name: string; ir?: TypedIr }[];
  diagnostics: Diagnostic[];
}

/** Parses, elaborates and shape-checks one spec file: the whole front end, diagnostics collected. */
export function checkSpec(path: string, read: ReadFile, sources = new SourceSet()): CheckResult {
  const loaded = loadSpec(path, read, sources);
  const bag = new DiagnosticBag();
  bag.items.push(...loaded.diagnostics);
  const models: CheckResult["models"] = [];
  const syntaxOk = !loaded.diagnostics.some((d) => d.severity === "error");
  if (syntaxOk) {
    for (const model of loaded.models) {
      const modelBag = new DiagnosticBag();
      const elaborated = elaborateModel(model, loaded, modelBag);
      const ir = checkModel(elaborated, modelBag);
      bag.items.push(...modelBag.items);
      models.push({ name: model.name.name, ...(ir ? { ir } : {}) });
    }
  }
  return { sources, models, diagnostics: sortDiagnostics(dedupe(bag.items)) };
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
