import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("the browser entry", () => {
  it("builds with Vite without reaching any Node built-in", { timeout: 120_000 }, () => {
    const result = spawnSync(process.execPath, ["tools/browser-size.mjs"], { encoding: "utf8" });
    expect(result.stderr).not.toMatch(/reaches Node built-ins/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/browser entry: [\d.]+ KiB minified, [\d.]+ KiB gzipped/);
  });
});
