import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runFmt } from "../../src/cli/fmt.ts";

// Every rename fails, as when the disk is full or the directory read-only halfway through.
vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs")>();
  return {
    ...original,
    renameSync: vi.fn(() => {
      throw new Error("EIO: simulated failure");
    }),
  };
});

describe("loom fmt --write when writing fails", () => {
  it("leaves the original file whole, removes its temporary file and exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loom-fmt-"));
    const file = join(dir, "a.loom");
    writeFileSync(file, "model m{x=a}");
    let stderr = "";
    const status = await runFmt(
      [file],
      { check: false, write: true },
      { stdout: () => undefined, stderr: (s) => void (stderr += s) },
    );
    expect(status).toBe(2);
    expect(stderr).toContain(`cannot write "${file}": EIO: simulated failure`);
    expect(readFileSync(file, "utf8")).toBe("model m{x=a}");
    expect(readdirSync(dir)).toEqual(["a.loom"]);
  });
});
