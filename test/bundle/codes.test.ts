/**
 * Every device-limit and bundle code (E06xx, W0603, W0625, W0641) is produced by some bad input
 * here, and renders as a header naming its file, then notes and hint.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readBundle as readChecked } from "../../src/api/bundle.ts";
import { sha256 } from "../../src/contracts/bundle/hash.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { readSafetensors, writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import { BUILTIN_PROFILES } from "../../src/contracts/device-profile/builtins.ts";
import { checkPlanAgainstProfile } from "../../src/contracts/device-profile/check.ts";
import { loadDeviceProfile } from "../../src/contracts/device-profile/load.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import { renderPretty } from "../../src/contracts/diagnostics/render.ts";
import { SourceSet } from "../../src/contracts/source.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { fakePlan, irOf, miniContent, MINI_SPEC, tempDir } from "./helpers.ts";
import { formatCodes } from "./format-helpers.ts";

function produced(): Map<string, Diagnostic> {
  const found = new Map<string, Diagnostic>();
  const add = (diagnostics: Diagnostic[]) => {
    for (const d of diagnostics) if (!found.has(d.code)) found.set(d.code, d);
  };
  const ir = irOf(MINI_SPEC);
  const plan = fakePlan(ir);
  plan.kernels[0]!.workgroupStorageBytes = 1 << 20; // E0601
  plan.kernels[0]!.wgsl = `enable f16;\n${plan.kernels[0]!.wgsl}`; // E0602
  plan.kernels[0]!.dispatch = [{ expr: "cols", divisor: 8 }, 1, 1]; // W0603
  add(checkPlanAgainstProfile(plan, BUILTIN_PROFILES["webgpu-default"]!, { file: "mini.loom" }));
  add(loadDeviceProfile("nvidia").diagnostics); // E0604
  add(readBundle(tempDir()).diagnostics); // E0610
  const good = join(tempDir(), "good");
  add(writeBundle(good, miniContent()).diagnostics);
  add(writeBundle(good, miniContent()).diagnostics); // E0615
  const folder = tempDir();
  writeFileSync(join(folder, "notes.txt"), "mine");
  add(writeBundle(folder, miniContent(), { force: true }).diagnostics); // E0640
  const killed = join(tempDir(), "b");
  writeBundle(killed, miniContent());
  const gone = spawnSync(process.execPath, ["-e", ""]).pid!; // a writer killed mid-swap
  renameSync(killed, join(killed, "..", `.b.loom-old-${gone}-0000beef`));
  add(writeBundle(killed, miniContent()).diagnostics); // W0641, then E0615
  const edit = (change: (dir: string) => void) => {
    const dir = join(tempDir(), "b");
    cpSync(good, dir, { recursive: true });
    change(dir);
    add(readBundle(dir).diagnostics);
  };
  const manifest = (change: (m: Record<string, any>) => void) =>
    edit((dir) => {
      const m = JSON.parse(JSON.stringify(readBundle(good).manifest));
      change(m);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
    });
  edit((dir) => writeFileSync(join(dir, "manifest.json"), "{")); // E0611
  manifest((m) => (m.formatVersion = 7)); // E0612
  edit((dir) => writeFileSync(join(dir, "kernels/copy.wgsl"), "")); // E0613
  manifest((m) => (m.plan.steps[0].kernel = "none")); // E0614
  manifest((m) => (m.formatVersion = 1)); // E0621
  edit((dir) => {
    const outside = join(tempDir(), "copy.wgsl");
    renameSync(join(dir, "kernels/copy.wgsl"), outside);
    symlinkSync(outside, join(dir, "kernels/copy.wgsl"));
  }); // E0622
  edit((dir) => writeFileSync(join(dir, "weights.safetensors"), "x", { flag: "a" })); // E0623
  edit((dir) => {
    const path = join(dir, "weights.safetensors");
    const read = readSafetensors(readFileSync(path), path);
    const bytes = writeSafetensors(read.tensors!, { dtype: "f16", metadata: read.metadata });
    writeFileSync(path, bytes);
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    Object.assign(m.weights, { bytes: bytes.length, sha256: sha256(bytes) });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
  }); // E0624
  edit((dir) => {
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    m.source.text = MINI_SPEC.replace("gelu_tanh", "relu");
    m.source.sha256 = sha256(m.source.text);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
    add(readChecked(dir).diagnostics);
  }); // W0625, from the API, which elaborates the text
  const unbounded = MINI_SPEC.replace(/<=\s*\w+/, "");
  add(lowerToPlan(irOf(unbounded)).diagnostics); // E0620
  add(formatCodes()); // E0650–E0653
  return found;
}

it("every E06xx and W06xx code is produced by some bad input", () => {
  const family = Object.keys(CODES).filter((c) => c.slice(1, 3) === "06");
  expect(family.length).toBe(22);
  expect([...produced().keys()].sort()).toEqual(family.sort());
});

it("each renders as a header naming the file, with its notes and hint", () => {
  for (const d of produced().values()) {
    const text = renderPretty([d], new SourceSet(), { color: false });
    expect(text.split("\n")[0]).toBe(`${d.severity}[${d.code}]: ${d.message}`);
    expect(text).toContain(`--> ${d.span.file}:1:1`);
    if (d.hint) expect(text).toContain(`= hint: ${d.hint}`);
  }
});
