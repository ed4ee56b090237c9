import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { LAYERS } from "../../src/compiler/layers/catalog.ts";
import { loadLoomGrammar, type ScopedToken } from "./tokenize.ts";

let tokenize: Awaited<ReturnType<typeof loadLoomGrammar>>;

/** The innermost scope of the `nth` token (0-based) on a line whose text is `text`. */
function scopeOf(lines: ScopedToken[][], line: number, text: string, nth = 0): string {
  const found = lines[line]!.filter((t) => t.text === text)[nth];
  if (!found) throw new Error(`no token ${JSON.stringify(text)} on line ${line + 1}`);
  return found.scopes[found.scopes.length - 1]!;
}

describe("the TextMate grammar (editors/vscode)", () => {
  beforeAll(async () => {
    tokenize = await loadLoomGrammar();
  });

  it("scopes the tokens of a real spec", () => {
    // specs/tiny-llama.loom, lines counted from 0.
    const lines = tokenize(readFileSync("specs/tiny-llama.loom", "utf8"));
    expect(scopeOf(lines, 0, "//")).toBe("punctuation.definition.comment.loom");
    expect(lines[0]![1]!.scopes).toEqual(["source.loom", "comment.line.double-slash.loom"]);
    expect(lines[0]![1]!.text).toMatch(/^ A tiny Llama for tests/);
    expect(scopeOf(lines, 2, "include")).toBe("keyword.control.import.loom");
    expect(scopeOf(lines, 2, '"')).toBe("string.quoted.double.loom");
    expect(scopeOf(lines, 2, "blocks/llama.loom")).toBe("string.quoted.double.loom");
    expect(scopeOf(lines, 4, "model")).toBe("storage.type.model.loom");
    expect(scopeOf(lines, 4, "tiny_llama")).toBe("entity.name.type.model.loom");
    expect(scopeOf(lines, 5, "dims")).toBe("keyword.other.dims.loom");
    expect(scopeOf(lines, 5, "vocab")).toBe("variable.other.constant.dim.loom");
    expect(scopeOf(lines, 5, "256")).toBe("constant.numeric.loom");
    expect(scopeOf(lines, 5, "kv_heads")).toBe("variable.other.constant.dim.loom");
    expect(scopeOf(lines, 6, "input")).toBe("keyword.other.input.loom");
    expect(scopeOf(lines, 6, "tokens")).toBe("variable.parameter.input.loom");
    expect(scopeOf(lines, 6, "int")).toBe("storage.type.dtype.loom");
    expect(scopeOf(lines, 6, "<=")).toBe("keyword.operator.comparison.loom");
    expect(scopeOf(lines, 8, "x")).toBe("variable.other.assignment.loom");
    expect(scopeOf(lines, 8, "embed")).toBe("support.function.layer.loom");
    expect(scopeOf(lines, 8, "as")).toBe("keyword.other.as.loom");
    expect(scopeOf(lines, 8, "embed_tokens")).toBe("entity.name.label.loom");
    expect(scopeOf(lines, 9, "repeat")).toBe("keyword.control.loom");
    expect(scopeOf(lines, 10, "llama_block")).toBe("entity.name.function.call.loom");
    expect(scopeOf(lines, 10, "10000")).toBe("constant.numeric.loom");
    expect(scopeOf(lines, 12, "output")).toBe("keyword.other.output.loom");
    expect(scopeOf(lines, 12, "logits")).toBe("variable.other.output.loom");
    expect(scopeOf(lines, 12, "eps")).toBe("variable.parameter.argument.loom");
    expect(scopeOf(lines, 12, "1e-5")).toBe("constant.numeric.loom");
    expect(scopeOf(lines, 12, "false")).toBe("constant.language.boolean.loom");
  });

  it("scopes comparisons, mask layers and truncate", () => {
    const lines = tokenize("model m {\n  m = float(tokens != 0) * float(tokens >= 2)\n}");
    expect(scopeOf(lines, 1, "float")).toBe("support.function.layer.loom");
    for (const op of ["!=", ">="])
      expect(scopeOf(lines, 1, op)).toBe("keyword.operator.comparison.loom");
    const input = tokenize("model m {\n  input tokens: int[batch, seq <= 128 truncate]\n}");
    expect(scopeOf(input, 1, "truncate")).toBe("keyword.other.truncate.loom");
  });

  it("scopes block declarations, block comments and a comment spanning lines", () => {
    const lines = tokenize(
      "/** A block.\n  Two lines. */\nblock f(x, eps = 1e-5) {\n  return rmsnorm(x, eps = eps) /* inline */\n}",
    );
    expect(scopeOf(lines, 0, "/**")).toBe("punctuation.definition.comment.loom");
    expect(scopeOf(lines, 1, "  Two lines. ")).toBe("comment.block.documentation.loom");
    expect(scopeOf(lines, 2, "block")).toBe("storage.type.block.loom");
    expect(scopeOf(lines, 2, "f")).toBe("entity.name.function.block.loom");
    expect(scopeOf(lines, 2, "eps")).toBe("variable.parameter.argument.loom");
    expect(scopeOf(lines, 3, "return")).toBe("keyword.control.loom");
    expect(scopeOf(lines, 3, "eps", 1)).toBe("variable.other.loom");
    expect(scopeOf(lines, 3, " inline ")).toBe("comment.block.loom");
  });

  it("knows every built-in layer of the catalog", () => {
    for (const layer of LAYERS) {
      const [line] = tokenize(`y = ${layer.name}(x)`);
      expect(scopeOf([line!], 0, layer.name), layer.name).toBe("support.function.layer.loom");
    }
  });
});
