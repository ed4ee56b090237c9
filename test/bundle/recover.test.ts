/**
 * Crashes of a bundle write: a child process writes through dist/ and SIGKILLs itself before each
 * file-system operation in turn (fixtures/write-killed.mjs); after every kill OUT is the whole old
 * bundle or the whole new one, or (killed between the two renames) the whole old bundle lies
 * aside, and the next write's recovery leaves OUT whole with nothing beside it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeBundle, type EncodedBundle } from "../../src/compiler/bundle/encode.ts";
import { recoverInterruptedWrite } from "../../src/compiler/bundle/recover.ts";
import { writeBundle, writeEncodedBundle } from "../../src/compiler/bundle/write.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { codes, miniContent, snapshot, tempDir } from "./helpers.ts";

const KILLED = new URL("fixtures/write-killed.mjs", import.meta.url).pathname;

/** The old bundle: the mini model. */
function oldBundle(): EncodedBundle {
  return encodeBundle(miniContent());
}

/** The new bundle: another file set (a second kernel) and other bytes in every shared file. */
function newBundle(): EncodedBundle {
  const content = miniContent();
  const copy = content.plan.kernels[0]!;
  content.plan.kernels[0] = { ...copy, wgsl: `// first\n${copy.wgsl}` };
  content.plan.kernels.push({ ...copy, name: "second", wgsl: `// second\n${copy.wgsl}` });
  content.plan.steps.push({ ...content.plan.steps[0]!, kernel: "second" });
  content.plan.buffers[1]!.lifetime = [0, 1];
  content.weightsMetadata = { "loom.seed": "8" };
  content.createdBy = "the new one";
  return encodeBundle(content);
}

/** What a finished write of `encoded` leaves at a directory: every file's bytes. */
function reference(encoded: EncodedBundle): Record<string, string> {
  const dir = join(tempDir(), "reference");
  expect(writeEncodedBundle(dir, encoded).diagnostics).toEqual([]);
  return snapshot(dir);
}

/** A process id that no process has now (a child that has exited). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

/** Runs the killed writer; its exit signal and, if it finished, its report. */
function writeKilled(out: string, encoded: EncodedBundle, killAt: number) {
  const file = join(tempDir(), "encoded.json");
  writeFileSync(
    file,
    JSON.stringify({
      manifest: encoded.manifest,
      files: encoded.files.map((f) => ({
        path: f.path,
        base64: Buffer.from(f.bytes).toString("base64"),
      })),
    }),
  );
  const child = spawnSync(process.execPath, [KILLED, out, file, String(killAt)], {
    encoding: "utf8",
  });
  expect(child.stderr).toBe("");
  return {
    signal: child.signal,
    report: child.signal
      ? undefined
      : (JSON.parse(child.stdout) as { ops: number; codes: string[] }),
  };
}

type State = "old" | "new" | "old aside";

/** What a kill left: OUT old or new, or OUT missing and the old bundle whole beside it. */
function observe(out: string, old: Record<string, string>, next: Record<string, string>): State {
  const parent = join(out, "..");
  for (const name of readdirSync(parent).filter((n) => n.startsWith(".b.loom-old-")))
    expect(snapshot(join(parent, name)), `${name} is the whole old bundle`).toEqual(old);
  if (!existsSync(out)) {
    expect(readdirSync(parent).filter((n) => n.startsWith(".b.loom-old-"))).toHaveLength(1);
    return "old aside";
  }
  const now = snapshot(out);
  if (JSON.stringify(now) === JSON.stringify(old)) return "old";
  expect(now, "OUT is the old bundle or the new one").toEqual(next);
  return "new";
}

/** After recovery: OUT is a whole bundle (old or new) that reads clean, and nothing is beside it. */
function expectRecovered(out: string, old: Record<string, string>, next: Record<string, string>) {
  recoverInterruptedWrite(out);
  expect(readdirSync(join(out, ".."))).toEqual(["b"]);
  expect([old, next]).toContainEqual(snapshot(out));
  expect(readBundle(out).diagnostics).toEqual([]);
}

describe("a bundle write killed before each of its file-system operations", () => {
  const old = reference(oldBundle());
  const next = reference(newBundle());

  /** Kills a write of the new bundle at each of its first `upTo` operations (default all). */
  function sweep(setUp: (out: string) => void, upTo = Infinity): State[] {
    const probe = join(tempDir(), "b");
    setUp(probe);
    const finished = writeKilled(probe, newBundle(), 0);
    expect(finished.report!.codes.filter((c) => c.startsWith("E"))).toEqual([]);
    expect(snapshot(probe)).toEqual(next);
    const states: State[] = [];
    for (let killAt = 1; killAt <= Math.min(upTo, finished.report!.ops); killAt++) {
      const out = join(tempDir(), "b");
      setUp(out);
      expect(writeKilled(out, newBundle(), killAt).signal).toBe("SIGKILL");
      states.push(observe(out, old, next));
      expectRecovered(out, old, next);
    }
    return states;
  }

  it("over an old bundle: old, old aside, then new; recovery leaves one whole bundle", () => {
    const states = sweep((out) => writeEncodedBundle(out, oldBundle()));
    // the kill before the new bundle's rename into place finds it aside, and only that one
    expect(states.filter((s) => s === "old aside")).toHaveLength(1);
    expect(states[0]).toBe("old");
    expect(states.at(-1)).toBe("new");
    expect(states.indexOf("new")).toBeGreaterThan(states.indexOf("old aside"));
  });

  it("after a write killed between its renames: the recovery itself killed at each step", () => {
    const pid = deadPid();
    // the recovery renames the old bundle back and deletes the temporary tree; then a write as above
    const states = sweep((out) => {
      const parent = join(out, "..");
      writeEncodedBundle(out, oldBundle());
      renameSync(out, join(parent, `.b.loom-old-${pid}-0000beef`));
      mkdirSync(join(parent, `.b.loom-tmp-${pid}-0000beef`));
      writeFileSync(join(parent, `.b.loom-tmp-${pid}-0000beef`, "manifest.json"), "{");
    }, 3);
    expect(states).toEqual(["old aside", "old", "old"]);
  });
});

describe("recovery from what killed writes left", () => {
  function layout(names: Record<string, "old" | "new" | "partial">) {
    const parent = tempDir();
    const out = join(parent, "b");
    for (const [name, what] of Object.entries(names)) {
      const path = join(parent, name);
      if (what === "partial") {
        mkdirSync(join(path, "kernels"), { recursive: true });
        writeFileSync(join(path, "kernels", "copy.wgsl"), "// half");
      } else writeEncodedBundle(path, what === "old" ? oldBundle() : newBundle());
    }
    return { parent, out };
  }

  it("puts back the old bundle a write killed between its renames left aside (W0641)", () => {
    const pid = deadPid();
    const { parent, out } = layout({
      [`.b.loom-old-${pid}-0000beef`]: "old",
      [`.b.loom-tmp-${pid}-0000beef`]: "new",
    });
    const warnings = recoverInterruptedWrite(out);
    expect(codes(warnings)).toEqual(["W0641"]);
    expect(warnings[0]!.message).toBe(
      `restored \`${out}\` from \`${join(parent, `.b.loom-old-${pid}-0000beef`)}\`, where a killed \`loom compile\` had moved it aside`,
    );
    expect(readdirSync(parent)).toEqual(["b"]);
    expect(snapshot(out)).toEqual(reference(oldBundle()));
  });

  it("deletes an old bundle once the new one is in place, and partial temporary trees", () => {
    const pid = deadPid();
    const { parent, out } = layout({
      b: "new",
      [`.b.loom-old-${pid}-0000beef`]: "old",
      [`.b.loom-tmp-${pid}-11112222`]: "partial",
      [`.b.loom-del-${pid}-33334444`]: "partial",
    });
    expect(recoverInterruptedWrite(out)).toEqual([]);
    expect(readdirSync(parent)).toEqual(["b"]);
    expect(snapshot(out)).toEqual(reference(newBundle()));
  });

  it("never touches what a running write has beside OUT, nor siblings of other names", () => {
    const running = process.ppid; // a process that runs: this test's parent
    const { parent, out } = layout({
      [`.b.loom-old-${running}-0000beef`]: "old",
      [`.b.loom-tmp-${running}-0000beef`]: "partial",
      [`.b.loom-tmp-${deadPid()}-nothex!!`]: "partial",
      [`.bb.loom-tmp-${deadPid()}-0000beef`]: "partial",
      ".b.loom-tmp-0000beef": "partial",
    });
    const before = readdirSync(parent);
    expect(recoverInterruptedWrite(out)).toEqual([]);
    expect(readdirSync(parent)).toEqual(before);
    expect(existsSync(out)).toBe(false);
  });

  it("a write of OUT recovers first: without force the restored bundle is refused", () => {
    const pid = deadPid();
    const { out } = layout({
      [`.b.loom-old-${pid}-0000beef`]: "old",
      [`.b.loom-tmp-${pid}-0000beef`]: "partial",
    });
    const refused = writeBundle(out, miniContent());
    expect(codes(refused.diagnostics)).toEqual(["W0641", "E0615"]);
    expect(snapshot(out)).toEqual(reference(oldBundle()));
    const forced = writeEncodedBundle(out, newBundle(), { force: true });
    expect(codes(forced.diagnostics)).toEqual([]);
    expect(readdirSync(join(out, ".."))).toEqual(["b"]);
    expect(snapshot(out)).toEqual(reference(newBundle()));
  });
});
