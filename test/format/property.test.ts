import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSpec } from "../../src/compiler/format/format.ts";
import { arbitrarySpecSource } from "./arbitrary-spec.ts";
import { astShape, commentTexts, mustParse } from "./ast-shape.ts";

async function format(text: string): Promise<string> {
  const result = await formatSpec(text, "test.loom");
  if (!result.ok) throw new Error(`syntax error: ${result.diagnostics[0]?.message}\n${text}`);
  return result.formatted;
}

describe("formatting generated specs", () => {
  it("the generator produces sources that parse", () => {
    fc.assert(
      fc.property(arbitrarySpecSource, (source) => void mustParse(source)),
      {
        numRuns: 300,
      },
    );
  });

  it("is idempotent and keeps the AST and every comment", async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySpecSource, async (source) => {
        const original = mustParse(source);
        const once = await format(source);
        const formatted = mustParse(once);
        expect(astShape(formatted)).toEqual(astShape(original));
        expect(commentTexts(formatted)).toEqual(commentTexts(original));
        expect(await format(once)).toBe(once);
      }),
      { numRuns: 400 },
    );
  });
});
