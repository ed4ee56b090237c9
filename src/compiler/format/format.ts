import * as prettier from "prettier";
import { parseSpec } from "../../../grammar/index.ts";
import type { Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { loomPlugin } from "./plugin.ts";

/** The canonical Loom style's fixed settings; project Prettier configs do not change them. */
const CANONICAL = { printWidth: 100, tabWidth: 2, useTabs: false, endOfLine: "lf" } as const;

/**
 * Formats one spec in the canonical style. Syntax errors come back as the parser's diagnostics;
 * only a formatter bug rejects the promise.
 */
export async function formatSpec(
  text: string,
  file: string,
): Promise<{ ok: true; formatted: string } | { ok: false; diagnostics: Diagnostic[] }> {
  const { ast, diagnostics } = parseSpec(text, file);
  if (!ast) return { ok: false, diagnostics };
  const formatted = await prettier.format(text, {
    ...CANONICAL,
    parser: "loom",
    plugins: [loomPlugin],
    filepath: file,
  });
  return { ok: true, formatted };
}
