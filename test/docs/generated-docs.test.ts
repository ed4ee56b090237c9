import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { languageDocs } from "../../tools/language-docs.ts";

describe("generated documentation", () => {
  const current = readFileSync("docs/language.md", "utf8");
  const fresh = languageDocs(current);

  it("docs/language.md has the grammar and layer reference of the current code (npm run docs:language)", () => {
    expect(current).toBe(fresh.markdown);
  });

  it("docs/grammar.html has the railroad diagrams of the current parser (npm run docs:language)", () => {
    expect(readFileSync("docs/grammar.html", "utf8")).toBe(fresh.html);
  });

  it("lists every built-in layer", () => {
    for (const name of [
      "embed",
      "attention",
      "cross_attention",
      "moe",
      "swiglu",
      "patch_embed",
      "lm_head",
    ]) {
      expect(current).toContain(`### \`${name}\``);
    }
  });
});
