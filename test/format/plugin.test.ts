import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import loomPlugin from "../../src/compiler/format/plugin.ts";

const run = promisify(execFile);
const UNFORMATTED = "model m{x=f(a,b=c)}";
const FORMATTED = "model m {\n  x = f(a, b = c)\n}\n";

describe("the Prettier plugin", () => {
  it("declares the Loom language for .loom files", () => {
    expect(loomPlugin.languages).toEqual([
      { name: "Loom", parsers: ["loom"], extensions: [".loom"] },
    ]);
  });

  it("formats through prettier.format, by parser name or by file name", async () => {
    expect(await prettier.format(UNFORMATTED, { parser: "loom", plugins: [loomPlugin] })).toBe(
      FORMATTED,
    );
    expect(await prettier.format(UNFORMATTED, { filepath: "a.loom", plugins: [loomPlugin] })).toBe(
      FORMATTED,
    );
  });

  it("reports a syntax error with its message and line:column", async () => {
    const formatting = prettier.format("model m {\n  x = f(1,, 2)\n}\n", {
      parser: "loom",
      plugins: [loomPlugin],
    });
    await expect(formatting).rejects.toThrow(/expected an expression.*found ','.*\(2:11\)/);
  });

  it("runs from the prettier command line", { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "loom-prettier-"));
    const file = join(dir, "spec.loom");
    writeFileSync(file, UNFORMATTED);
    // --ignore-path= : Prettier skips files outside the project under its default ignore files.
    const prettierBin = "node_modules/prettier/bin/prettier.cjs";
    const plain = await run("node", [
      prettierBin,
      "--ignore-path=",
      "--plugin",
      "./dist/src/api/prettier-plugin.js",
      file,
    ]);
    expect(plain.stdout).toBe(FORMATTED);
    // By the name the package exports it under, as a project that depends on loom-webgpu writes it.
    const byName = await run("node", [
      prettierBin,
      "--ignore-path=",
      "--plugin",
      "loom-webgpu/prettier-plugin",
      file,
    ]);
    expect(byName.stdout).toBe(FORMATTED);
    const withTsx = await run("node", [
      "--import",
      "tsx",
      prettierBin,
      "--ignore-path=",
      "--plugin",
      "./src/compiler/format/plugin.ts",
      file,
    ]);
    expect(withTsx.stdout).toBe(FORMATTED);
  });
});
