import type { SpecFile } from "../../grammar/ast.ts";
import { parseSpec } from "../../grammar/index.ts";

/** A spec's AST without spans or comments: what formatting must not change. */
export function astShape(ast: SpecFile): unknown {
  return JSON.parse(
    JSON.stringify(ast, (key, value: unknown) =>
      key === "span" || key === "comments" ? undefined : value,
    ),
  );
}

/** The texts of a spec's comments, sorted; `//` comments without trailing whitespace. */
export function commentTexts(ast: SpecFile): string[] {
  return ast.comments.map((c) => (c.block ? c.text : c.text.trimEnd())).sort();
}

/** Parses a spec that must be free of syntax errors. */
export function mustParse(text: string): SpecFile {
  const { ast, diagnostics } = parseSpec(text, "test.loom");
  if (!ast) {
    const first = diagnostics[0];
    throw new Error(`does not parse: ${first?.message} at ${first?.span.start}\n${text}`);
  }
  return ast;
}
