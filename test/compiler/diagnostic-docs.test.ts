import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import { diagnosticsMarkdown } from "../../src/contracts/diagnostics/write-docs.ts";

const DOCS = new URL("../../docs/diagnostics.md", import.meta.url);

it("docs/diagnostics.md matches the code registry", () => {
  const written = readFileSync(DOCS, "utf8");
  expect(
    written,
    "docs/diagnostics.md is out of date; run `npx tsx tools/write-diagnostics-docs.ts`",
  ).toBe(diagnosticsMarkdown());
});

it("lists every code with its severity and title", () => {
  const markdown = diagnosticsMarkdown();
  for (const [code, info] of Object.entries(CODES)) {
    const severity = code.startsWith("W") ? "warning" : "error";
    expect(markdown).toMatch(
      new RegExp(`^\\| ${code} +\\| ${severity} +\\| ${info.title} +\\|`, "m"),
    );
  }
});
