/**
 * Nothing is lost on a crash: `loom compile --force` and `loom fmt --write` SIGKILLed at seeded
 * random moments (kill-at-random.ts) leave the old content or the new, whole, never a mix: a
 * bundle is byte for byte one of two reference bundles and validates; a spec is the old text or
 * the formatted text exactly, with its mode. A compile killed between its two renames leaves the
 * old bundle whole beside OUT, which the next write puts back first (recover.ts). `--force` never
 * replaces what is not a bundle (E0640).
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recoverInterruptedWrite } from "../../src/compiler/bundle/recover.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { snapshot } from "../bundle/helpers.ts";
import { killMoments, runAndKill, type KillAt } from "./kill-at-random.ts";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-crash-"));
const SPECS = ["specs/tiny-gpt.loom", "specs/tiny-llama.loom"] as const;
const NEVER: KillAt = { after: "change", nth: Infinity, ms: 0 };
/** What a killed write may leave beside OUT `b` or the spec `a.loom` (leftovers.ts). */
const LEFTOVER = /^\.(b|a\.loom)\.loom-(tmp|old|del)-\d+-[0-9a-f]{8}$/;
/** Some twenty-five runs of `loom` (about 0.6 s of CPU each); minutes on an overloaded machine. */
const SLOW = 180_000;

/** Runs `node bin/loom ARGS` to the end, as it must; its wall time in ms. */
function loom(...args: string[]): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, ["bin/loom", ...args], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return performance.now() - start;
}

describe("loom compile --force killed at random moments", () => {
  it(
    "leaves OUT the whole old bundle or the whole new one, every time",
    async () => {
      const references = SPECS.map((spec, i) => {
        const out = join(dir, `reference-${i}`);
        const ms = loom("compile", spec, "-o", out);
        return { snapshot: snapshot(out), ms };
      });
      expect(references[0]!.snapshot).not.toEqual(references[1]!.snapshot);
      const parent = join(dir, "out");
      mkdirSync(parent);
      const out = join(parent, "b");
      loom("compile", SPECS[0], "-o", out);
      // one uninterrupted replacement counts the changes a write makes in OUT's parent
      const full = await runAndKill(["compile", SPECS[1], "-o", out, "--force"], parent, NEVER);
      expect(full.code, full.stderr).toBe(0);
      let current = 1; // which reference OUT holds
      const runtime = Math.max(...references.map((r) => r.ms));
      for (const [i, at] of killMoments(12, runtime, full.changes, 640).entries()) {
        const next = 1 - current;
        const where = `kill ${i} (${JSON.stringify(at)})`;
        const run = await runAndKill(["compile", SPECS[next]!, "-o", out, "--force"], parent, at);
        if (!run.killed) expect(run.code, `${where}: ${run.stderr}`).toBe(0);
        const names = readdirSync(parent);
        for (const name of names) if (name !== "b") expect(name, where).toMatch(LEFTOVER);
        // a bundle moved aside is whole: the one OUT held, or one a killed run failed to delete
        const aside = names.filter((n) => n.startsWith(".b.loom-old-"));
        for (const name of aside)
          expect(
            references.map((r) => r.snapshot),
            `${where}: ${name}`,
          ).toContainEqual(snapshot(join(parent, name)));
        const missing = !existsSync(out);
        if (missing) {
          // killed between the renames: OUT's bundle lies aside; the next write restores it
          expect(aside.length, where).toBeGreaterThan(0);
          recoverInterruptedWrite(out);
        }
        const now = JSON.stringify(snapshot(out));
        const held = references.findIndex((r) => JSON.stringify(r.snapshot) === now);
        expect(held, `${where}: OUT is neither the old bundle nor the new one`).not.toBe(-1);
        if (!run.killed) expect(held, where).toBe(next);
        if (missing) expect(held, `${where}: the bundle restored`).toBe(current);
        expect(readBundle(out).diagnostics, where).toEqual([]);
        current = held;
      }
      // an uninterrupted write deletes every leftover of the killed ones
      loom("compile", SPECS[1 - current]!, "-o", out, "--force");
      expect(readdirSync(parent)).toEqual(["b"]);
      expect(snapshot(out)).toEqual(references[1 - current]!.snapshot);
    },
    SLOW,
  );

  it("refuses with --force a directory that is not a bundle, and leaves it untouched (E0640)", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, "src"), { recursive: true });
    writeFileSync(join(home, "notes.txt"), "keep me");
    writeFileSync(join(home, "src", "main.ts"), "export {};\n");
    const before = snapshot(home);
    const run = await runLoom("compile", SPECS[0], "-o", home, "--force");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error[E0640]: \`${home}\` exists and has no manifest.json: it is not a bundle; it was not replaced`,
    );
    expect(snapshot(home)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.startsWith(".home."))).toEqual([]);
  });
});

describe("loom fmt --write killed at random moments", () => {
  it(
    "leaves the spec the old text or the formatted text exactly, with its mode",
    async () => {
      const folder = join(dir, "fmt");
      mkdirSync(folder);
      const spec = join(folder, "a.loom");
      // tiny-gpt with its indentation and spacing mangled: formatting changes most lines
      const old = readFileSync(SPECS[0], "utf8").replace(/^ +/gm, "").replace(/ = /g, "=");
      writeFileSync(spec, old);
      chmodSync(spec, 0o640);
      const printed = spawnSync(process.execPath, ["bin/loom", "fmt", spec], { encoding: "utf8" });
      expect(printed.status).toBe(0);
      const next = printed.stdout;
      expect(next).not.toBe(old);
      const start = performance.now();
      const full = await runAndKill(["fmt", "--write", spec], folder, NEVER);
      const runtime = performance.now() - start;
      expect(full.code, full.stderr).toBe(0);
      expect(readFileSync(spec, "utf8")).toBe(next);
      for (const [i, at] of killMoments(8, runtime, full.changes, 641).entries()) {
        const where = `kill ${i} (${JSON.stringify(at)})`;
        writeFileSync(spec, old);
        const run = await runAndKill(["fmt", "--write", spec], folder, at);
        if (!run.killed) expect(run.code, `${where}: ${run.stderr}`).toBe(0);
        const text = readFileSync(spec, "utf8");
        expect([old, next], `${where}: the spec is neither the old text nor the new`).toContain(
          text,
        );
        if (!run.killed) expect(text, where).toBe(next);
        expect(statSync(spec).mode & 0o777, where).toBe(0o640);
        for (const name of readdirSync(folder))
          if (name !== "a.loom") expect(name, where).toMatch(LEFTOVER);
      }
      // a temporary file never ends in .loom, so `loom fmt DIR` finds the spec alone; and the
      // next write of the spec deletes the killed runs' temporary files
      writeFileSync(spec, old);
      loom("fmt", "--write", folder);
      expect(readdirSync(folder)).toEqual(["a.loom"]);
      expect(readFileSync(spec, "utf8")).toBe(next);
    },
    SLOW,
  );
});
