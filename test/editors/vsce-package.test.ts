import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { zipEntries } from "./zip-entries.ts";

const run = promisify(execFile);

describe("the VS Code extension (editors/vscode)", () => {
  it("contributes the Loom language for .loom files with its grammar", () => {
    const manifest = JSON.parse(readFileSync("editors/vscode/package.json", "utf8"));
    expect(manifest.contributes.languages).toEqual([
      expect.objectContaining({ id: "loom", extensions: [".loom"] }),
    ]);
    expect(manifest.contributes.grammars).toEqual([
      { language: "loom", scopeName: "source.loom", path: "./syntaxes/loom.tmLanguage.json" },
    ]);
  });

  it(
    "packages with vsce: the client bundled, the grammar and language configuration",
    { timeout: 120_000 },
    async () => {
      const vsix = join(mkdtempSync(join(tmpdir(), "loom-vsix-")), "loom.vsix");
      await run("npm", ["run", "package", "--", "--out", vsix], { cwd: "editors/vscode" });
      expect(zipEntries(vsix).sort()).toEqual([
        "[Content_Types].xml",
        "extension.vsixmanifest",
        "extension/LICENSE.txt",
        "extension/language-configuration.json",
        "extension/out/extension.js",
        "extension/package.json",
        "extension/readme.md",
        "extension/syntaxes/loom.tmLanguage.json",
      ]);
    },
  );
});
