/**
 * docs/bundle-format.md: its generated sections (the manifest's fields, the built-in profiles)
 * match the code; UPDATE_DOCS=1 rewrites them. Every manifest field is described.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { expect, it } from "vitest";
import {
  manifestFields,
  manifestFieldsMarkdown,
  profilesMarkdown,
} from "../../src/compiler/bundle/docs.ts";
import { BundleManifest } from "../../src/contracts/bundle/manifest.ts";
import { FORMAT_VERSION } from "../../src/contracts/bundle/version.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";

const PATH = "docs/bundle-format.md";

/** The text with the section between `<!-- NAME:start … -->` and `<!-- NAME:end -->` replaced. */
function withSection(text: string, name: string, body: string): string {
  const pattern = new RegExp(`(<!-- ${name}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  expect(text).toMatch(pattern);
  return text.replace(pattern, (_, start: string, end: string) => `${start}\n${body}\n\n${end}`);
}

it("docs/bundle-format.md has the generated manifest fields and profiles of the current code", () => {
  const current = readFileSync(PATH, "utf8");
  const fresh = withSection(
    withSection(current, "manifest-fields", manifestFieldsMarkdown()),
    "profiles",
    profilesMarkdown(),
  );
  if (process.env["UPDATE_DOCS"]) writeFileSync(PATH, fresh);
  else expect(current, "run UPDATE_DOCS=1 npx vitest run test/bundle/docs.test.ts").toBe(fresh);
});

it("describes every manifest field", () => {
  const rows = manifestFields();
  expect(rows.filter((r) => r.description === "").map((r) => r.path)).toEqual([]);
  expect(rows.map((r) => r.path)).toEqual(
    expect.arrayContaining(Object.keys(BundleManifest.shape)),
  );
});

it("names every E06xx code", () => {
  const text = readFileSync(PATH, "utf8");
  for (const code of Object.keys(CODES).filter((c) => c.slice(1, 3) === "06"))
    expect(text).toContain(`| ${code} |`);
});

it("the schema's format version is the one the writer uses", () => {
  expect(BundleManifest.shape.formatVersion.value).toBe(FORMAT_VERSION);
});
