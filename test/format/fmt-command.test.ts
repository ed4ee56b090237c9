import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFmt } from "../../src/cli/fmt.ts";

const FORMATTED = "model m {\n  x = f(a, b = c)\n}\n";
const UNFORMATTED = "model m{x=f(a,b=c)}";
const BROKEN = "model m {\n  x = f(1,, 2)\n}\n";

/** A temporary directory holding the given files. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "loom-fmt-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function fmt(paths: string[], opts: { check?: boolean; write?: boolean } = {}) {
  let stdout = "";
  let stderr = "";
  const status = await runFmt(
    paths,
    { check: opts.check ?? false, write: opts.write ?? false },
    { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) },
  );
  return { status, stdout, stderr };
}

describe("loom fmt", () => {
  it("prints formatted text, for directories every .loom file below them in sorted order", async () => {
    const dir = tree({
      "b.loom": "model b{}",
      "sub/a.loom": "model a{}",
      "a.loom": "model c{}",
      "notes.txt": "not a spec",
    });
    const result = await fmt([dir]);
    expect(result).toEqual({
      status: 0,
      stdout: "model c {}\nmodel b {}\nmodel a {}\n",
      stderr: "",
    });
  });

  it("--check lists the files that would change and exits 1", async () => {
    const dir = tree({ "a.loom": FORMATTED, "b.loom": UNFORMATTED });
    const result = await fmt([dir], { check: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`${join(dir, "b.loom")}\n`);
    expect(result.stderr).toBe("1 of 2 spec files needs formatting (run `loom fmt --write`)\n");
    expect(readFileSync(join(dir, "b.loom"), "utf8")).toBe(UNFORMATTED);
  });

  it("--check exits 0 when every file is formatted", async () => {
    const dir = tree({ "a.loom": FORMATTED, "b.loom": FORMATTED });
    expect(await fmt([dir], { check: true })).toEqual({
      status: 0,
      stdout: "all 2 spec files are formatted\n",
      stderr: "",
    });
  });

  it("--write rewrites changed files in place, lists them, and keeps the file mode", async () => {
    const dir = tree({ "a.loom": FORMATTED, "b.loom": UNFORMATTED });
    chmodSync(join(dir, "b.loom"), 0o640);
    const result = await fmt([dir], { write: true });
    expect(result).toEqual({ status: 0, stdout: `${join(dir, "b.loom")}\n`, stderr: "" });
    expect(readFileSync(join(dir, "b.loom"), "utf8")).toBe(FORMATTED);
    expect(readdirSync(dir).sort()).toEqual(["a.loom", "b.loom"]);
    expect(await fmt([dir], { check: true })).toMatchObject({ status: 0 });
  });

  it("reports syntax errors as file:line:col, leaves the file untouched and exits 1", async () => {
    const dir = tree({ "bad.loom": BROKEN, "good.loom": UNFORMATTED });
    const bad = join(dir, "bad.loom");
    const result = await fmt([dir], { write: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${bad}:2:11: error[E0102]: expected an expression`);
    expect(readFileSync(bad, "utf8")).toBe(BROKEN);
    expect(readFileSync(join(dir, "good.loom"), "utf8")).toBe(FORMATTED);
  });

  it("exits 2 for a path that does not exist, still formatting the others", async () => {
    const dir = tree({ "a.loom": UNFORMATTED });
    const missing = join(dir, "missing.loom");
    const result = await fmt([missing, join(dir, "a.loom")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(missing);
    expect(result.stdout).toBe(FORMATTED);
  });

  it("exits 2 when there is nothing to format", async () => {
    const result = await fmt([tree({ "notes.txt": "" })]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no .loom files");
  });
});
