/**
 * The Node bundle loader (formats/bundle/directory.ts) reads only regular files inside the
 * bundle directory, never more than the manifest records: links out of the directory, special
 * files, oversized files and manifests, too many kernels and format version 1 are refused.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import { MAX_KERNELS, MAX_MANIFEST_BYTES } from "../../src/contracts/bundle/limits.ts";
import { codes, damagedCopy, miniContent, tempDir } from "./helpers.ts";

const pristine = join(tempDir(), "pristine");
writeBundle(pristine, miniContent());

/** A copy of the good bundle after `damage`, read back. */
const damaged = (damage: (dir: string) => void) => damagedCopy(pristine, damage);

/** Moves `file` of the bundle out of it, to a sibling directory, and links it back. */
function linkedOut(dir: string, file: string, target = join(dir, "..", "outside", file)): string {
  mkdirSync(join(target, ".."), { recursive: true });
  renameSync(join(dir, file), target);
  symlinkSync(target, join(dir, file));
  return target;
}

function editManifest(dir: string, edit: (m: Record<string, any>) => void): void {
  const path = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

describe("the Node loader", () => {
  it("E0622: a kernel file linked to a file outside the bundle, even an identical one", () => {
    const { bundle, diagnostics } = damaged((dir) => linkedOut(dir, "kernels/copy.wgsl"));
    expect(bundle).toBeUndefined();
    expect(codes(diagnostics)).toEqual(["E0622"]);
    expect(diagnostics[0]!.message).toMatch(
      /^kernels\/copy\.wgsl \(the WGSL of kernel `copy`\) of the bundle `.*` resolves outside the bundle, to .*outside\/kernels\/copy\.wgsl; it was not read$/,
    );
  });

  it("E0622: the kernels directory or the manifest linked out of the bundle", () => {
    expect(codes(damaged((dir) => linkedOut(dir, "kernels")).diagnostics)).toEqual(["E0622"]);
    expect(codes(damaged((dir) => linkedOut(dir, "manifest.json")).diagnostics)).toEqual(["E0622"]);
  });

  it("reads a link that stays inside the bundle", () => {
    const { diagnostics, bundle } = damaged((dir) =>
      linkedOut(dir, "weights.safetensors", join(dir, "store", "w.safetensors")),
    );
    expect(diagnostics).toEqual([]);
    expect(bundle).toBeDefined();
  });

  it("E0623: weights larger than the manifest records, refused by their size unread", () => {
    const cap = readFileSync(join(pristine, "weights.safetensors")).length;
    const { diagnostics } = damaged((dir) =>
      writeFileSync(join(dir, "weights.safetensors"), new Uint8Array(1024 * 1024), { flag: "a" }),
    );
    expect(codes(diagnostics)).toEqual(["E0623"]);
    expect(diagnostics[0]!.message).toMatch(
      new RegExp(`is larger than the ${cap} bytes the manifest records \\(weights\\.bytes\\)$`),
    );
    expect(diagnostics[0]!.notes).toEqual([`the file has ${cap + 1024 * 1024} bytes; 0 were read`]);
  });

  it("E0623: a WGSL file longer than its wgslBytes", () => {
    const { diagnostics } = damaged((dir) =>
      writeFileSync(join(dir, "kernels/copy.wgsl"), "// more\n", { flag: "a" }),
    );
    expect(codes(diagnostics)).toEqual(["E0623"]);
    expect(diagnostics[0]!.message).toContain("the manifest records (plan.kernels[0].wgslBytes)");
  });

  it("E0623: a manifest over the loader's limit is not read", () => {
    const { diagnostics } = damaged((dir) =>
      writeFileSync(join(dir, "manifest.json"), " ".repeat(MAX_MANIFEST_BYTES + 1)),
    );
    expect(codes(diagnostics)).toEqual(["E0623"]);
    expect(diagnostics[0]!.message).toContain(
      `is larger than the ${MAX_MANIFEST_BYTES} bytes a loader reads of a manifest`,
    );
  });

  it("E0623: more kernels than a loader reads, refused before any kernel file", () => {
    const { diagnostics } = damaged((dir) => {
      rmSync(join(dir, "kernels"), { recursive: true });
      editManifest(dir, (m) => {
        const kernel = m.plan.kernels[0];
        m.plan.kernels = Array.from({ length: 20_000 }, (_, i) => ({ ...kernel, name: `k${i}` }));
      });
    });
    expect(codes(diagnostics)).toEqual(["E0623"]);
    expect(diagnostics[0]!.message).toBe(
      `the manifest names 20000 kernels; a loader reads at most ${MAX_KERNELS}`,
    );
  });

  it("E0610: a FIFO in place of a kernel file is refused without opening it", () => {
    const { diagnostics } = damaged((dir) => {
      const path = join(dir, "kernels/copy.wgsl");
      rmSync(path);
      execFileSync("mkfifo", [path]);
    });
    expect(codes(diagnostics)).toEqual(["E0610"]);
    expect(diagnostics[0]!.message).toMatch(/: it is not a regular file$/);
  });

  it("E0621: format version 1, which records no kernel sizes", () => {
    const { diagnostics, manifest } = damaged((dir) =>
      editManifest(dir, (m) => {
        m.formatVersion = 1;
        for (const k of m.plan.kernels) delete k.wgslBytes;
      }),
    );
    expect(manifest).toBeUndefined();
    expect(codes(diagnostics)).toEqual(["E0621"]);
    expect(diagnostics[0]!.message).toBe(
      "the bundle has format version 1, which this Loom (0.1.0) no longer reads: its manifest records no byte size for the kernels' WGSL files, so a loader cannot bound what it reads",
    );
    expect(diagnostics[0]!.hint).toContain("loom compile");
  });
});
