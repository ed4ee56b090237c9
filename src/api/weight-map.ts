/**
 * Finding and reading a spec's weight map (docs/weights.md, "Weight maps"): the file given
 * (`--weight-map FILE`), else `<spec>.weightmap.json` beside the spec when there is one.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import { SourceFile, type SourceSet } from "../contracts/source.ts";
import { parseWeightMap, type WeightMapRules } from "../formats/weights/map/parse.ts";
import { LoomError, throwOnErrors } from "./errors.ts";

export type { WeightMapRules } from "../formats/weights/map/parse.ts";

/** Where a spec's own weight map is looked for: `specs/x.loom` → `specs/x.weightmap.json`. */
export function weightMapPath(spec: string): string {
  return `${spec.replace(/\.loom$/, "")}.weightmap.json`;
}

/**
 * The weight map for binding weights to `spec`: `file` when given (it must exist), else the one
 * beside the spec, else none. Its text joins `sources`, so diagnostics quote its lines; its
 * warnings are returned. Throws LoomError (E0510 when unreadable, E0510/E0511 when invalid).
 */
export function weightMapFor(
  spec: string,
  file: string | undefined,
  sources: SourceSet,
): { map?: WeightMapRules; warnings: Diagnostic[] } {
  const path = file ?? weightMapPath(spec);
  if (file === undefined && !existsSync(path)) return { warnings: [] };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new LoomError(`cannot read weight map "${path}": ${(error as Error).message}`, {
      kind: "usage",
      code: "E0510",
    });
  }
  sources.add(new SourceFile(path, text));
  const parsed = parseWeightMap(text, path);
  throwOnErrors(`the weight map ${path} is invalid`, parsed.diagnostics, sources);
  return { ...(parsed.map ? { map: parsed.map } : {}), warnings: parsed.diagnostics };
}
