import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMPILER_VERSION } from "../../src/contracts/bundle/version.ts";

describe("the compiler version", () => {
  it("is the package's version, which every bundle records", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(COMPILER_VERSION).toBe(pkg.version);
  });
});
