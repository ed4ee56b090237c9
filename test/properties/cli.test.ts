/**
 * The CLI never throws and never prints a stack trace: `main` is run in-process with an Io that
 * captures what it writes, on inputs that are wrong in every way we could think of.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";

/** Runs `loom ARGS`, returning the exit status and everything written. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    isTty: false,
  };
  const code = await main(args, io);
  return { code, out, err };
}

/** A stack frame as Node prints it. */
const STACK_FRAME = /^\s+at /m;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "loom-cli-"));
  mkdirSync(join(dir, "empty"));
  mkdirSync(join(dir, "notes"));
  writeFileSync(join(dir, "notes", "readme.txt"), "not a spec\n");
  writeFileSync(join(dir, "garbage.loom"), Buffer.from([0x00, 0xff, 0xfe, 0x7f, 0x80, 0x0a, 0xc3]));
  writeFileSync(join(dir, "bad.loom"), "model m {\n  x = attention(y, heads = 3)\n}\n");
  writeFileSync(
    join(dir, "warn.loom"),
    [
      "model m {",
      "  dims { vocab = 10, d = 8, unused = 3 }",
      "  input t: int[batch, seq]",
      "  output logits = lm_head(embed(t, vocab, d), vocab)",
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "clean.loom"),
    [
      "model m {",
      "  dims { vocab = 10, d = 8 }",
      "  input t: int[batch, seq]",
      "  output logits = lm_head(embed(t, vocab, d), vocab)",
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "missing-include.loom"), 'include "nowhere.loom"\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("loom check on bad input", () => {
  it("a missing file is an I/O error (exit 2)", async () => {
    const r = await run("check", join(dir, "does-not-exist.loom"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("does-not-exist.loom");
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  });

  it("a directory with no specs is a usage error (exit 2)", async () => {
    for (const sub of ["empty", "notes"]) {
      const r = await run("check", join(dir, sub));
      expect(r.code, sub).toBe(2);
      expect(r.err, sub).toMatch(/no \.loom files/);
      expect(r.err + r.out).not.toMatch(STACK_FRAME);
    }
  });

  it("a binary garbage file gives diagnostics (exit 1)", async () => {
    for (const format of ["pretty", "json", "github"]) {
      const r = await run("check", "--format", format, join(dir, "garbage.loom"));
      expect(r.code, format).toBe(1);
      expect(r.err + r.out, format).toContain("E0101");
      expect(r.err + r.out).not.toMatch(STACK_FRAME);
    }
  });

  it("a spec with errors exits 1 and a clean one 0", async () => {
    const bad = await run("check", join(dir, "bad.loom"));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/error\[E\d{4}\]/);
    const clean = await run("check", join(dir, "clean.loom"));
    expect(clean.code).toBe(0);
    expect(clean.err + clean.out).not.toMatch(STACK_FRAME);
  });

  it("warnings exit 0, or 1 with --deny-warnings", async () => {
    expect((await run("check", join(dir, "warn.loom"))).code).toBe(0);
    expect((await run("check", "--deny-warnings", join(dir, "warn.loom"))).code).toBe(1);
  });

  it("an include that does not exist is an error in the spec (exit 1)", async () => {
    const r = await run("check", join(dir, "missing-include.loom"));
    expect(r.code).toBe(1);
    expect(r.err).toContain("E0201");
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  });

  it("a missing file beside a good one still exits 2", async () => {
    const r = await run("check", join(dir, "clean.loom"), join(dir, "gone.loom"));
    expect(r.code).toBe(2);
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  });

  it("--emit ir on a spec with errors prints no stack and exits 1", async () => {
    const r = await run("check", "--emit", "ir", join(dir, "bad.loom"));
    expect(r.code).toBe(1);
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  });
});

describe("loom usage errors", () => {
  it("unknown flags, commands and option values exit 2", async () => {
    const cases = [
      ["check", "--no-such-flag", join(dir, "clean.loom")],
      ["check", "--format", "xml", join(dir, "clean.loom")],
      ["check", "--emit", "bytecode", join(dir, "clean.loom")],
      ["check"],
      ["frobnicate"],
      ["--bogus"],
    ];
    for (const args of cases) {
      const r = await run(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err + r.out, args.join(" ")).not.toMatch(STACK_FRAME);
    }
  });

  it("--help and --version exit 0", async () => {
    expect((await run("--help")).code).toBe(0);
    expect((await run("--version")).code).toBe(0);
  });

  it("random arguments never throw or print a stack trace", async () => {
    const arg = fc.oneof(
      fc.constantFrom("check", "--format", "json", "--emit", "ir", "--deny-warnings", "-h", "--"),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { maxLength: 4 }), async (args) => {
        // Keep paths inside the temporary directory (no `..`, no `/`): random names miss.
        const path = (a: string) => join(dir, a.replace(/[./\\]/g, "_"));
        const r = await run(...args.map((a) => (a.startsWith("-") || a === "check" ? a : path(a))));
        expect([0, 1, 2]).toContain(r.code);
        expect(r.err + r.out).not.toMatch(STACK_FRAME);
      }),
      { numRuns: 100 },
    );
  });
});
