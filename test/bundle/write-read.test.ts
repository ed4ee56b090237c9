/** Writing a bundle and reading it back: round trip, atomicity, overwriting. */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeBundle, kernelFileNames } from "../../src/compiler/bundle/encode.ts";
import { BundleManifest } from "../../src/contracts/bundle/manifest.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { COMPILER_VERSION, FORMAT_VERSION } from "../../src/contracts/bundle/version.ts";
import { nodeWriteOps, type WriteOps } from "../../src/compiler/bundle/ops.ts";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import { readSafetensors } from "../../src/formats/weights/safetensors.ts";
import {
  codes,
  COPY_WGSL,
  irOf,
  listing,
  miniContent,
  MINI_SPEC,
  snapshot,
  tempDir,
} from "./helpers.ts";
import packageJson from "../../package.json" with { type: "json" };

describe("round trip", () => {
  it("reads back what it wrote: manifest, plan with WGSL, IR, weights", () => {
    const content = miniContent();
    const out = join(tempDir(), "mini.bundle");
    const written = writeBundle(out, content);
    expect(written.diagnostics).toEqual([]);
    expect(listing(out)).toEqual(["kernels/copy.wgsl", "manifest.json", "weights.safetensors"]);
    expect(readFileSync(join(out, "kernels/copy.wgsl"), "utf8")).toBe(
      content.plan.kernels[0]!.wgsl,
    );

    const { bundle, manifest, diagnostics } = readBundle(out);
    expect(diagnostics).toEqual([]);
    expect(bundle).toBeDefined();
    expect(manifest).toEqual(written.written!.manifest);
    expect(bundle!.plan).toEqual(content.plan);
    expect(bundle!.manifest.ir).toEqual(content.ir);
    expect(bundle!.manifest.source).toEqual({
      file: "mini.loom",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      text: MINI_SPEC,
      includes: [],
    });
    expect([...bundle!.weights.keys()]).toEqual([...content.weights.keys()]);
    for (const [name, tensor] of content.weights) {
      const read = bundle!.weights.get(name)!;
      expect(read.shape).toEqual(tensor.shape);
      expect([...read.data]).toEqual([...tensor.data].map(Math.fround));
    }
  });

  it("records versions, requirements, weights and profile in the manifest", () => {
    const { manifest } = encodeBundle(miniContent());
    expect(BundleManifest.parse(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
    expect(manifest.format).toBe("loom-bundle");
    expect(manifest.formatVersion).toBe(FORMAT_VERSION);
    expect(manifest.compilerVersion).toBe(packageJson.version);
    expect(COMPILER_VERSION).toBe(packageJson.version);
    expect(manifest.model).toBe("mini");
    expect(manifest.deviceProfile).toBe("webgpu-default");
    expect(manifest.requirements.limits.maxComputeWorkgroupSizeX).toBe(64);
    expect(manifest.plan.sizes.max).toEqual({ batch: 1, seq: 8 });
    expect(manifest.plan.kernels[0]).toMatchObject({
      wgslFile: "kernels/copy.wgsl",
      wgslSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      wgslBytes: Buffer.byteLength(COPY_WGSL, "utf8"),
    });
    expect(manifest.plan.kernels[0]).not.toHaveProperty("wgsl");
    expect(manifest.weights).toMatchObject({
      file: "weights.safetensors",
      tensors: 9,
      dtype: "F32",
      layout: "loom",
    });
  });

  it("writes Loom-layout weights with their provenance in the metadata", () => {
    const out = join(tempDir(), "b");
    writeBundle(out, miniContent());
    const read = readSafetensors(
      new Uint8Array(readFileSync(join(out, "weights.safetensors"))),
      "w",
    );
    expect(read.metadata).toMatchObject({
      "loom.layout": "loom",
      "loom.model": "mini",
      "loom.seed": "7",
    });
  });

  it("is deterministic: the same content gives the same bytes", () => {
    const a = encodeBundle(miniContent());
    const b = encodeBundle(miniContent());
    expect(a.files).toEqual(b.files);
  });

  it("keeps includes and the tokenizer", () => {
    const content = miniContent();
    content.source.includes = [{ file: "blocks/x.loom", text: "// shared\n" }];
    const ir = { ...content.ir, tokenizer: "char" };
    const out = join(tempDir(), "b");
    writeBundle(out, {
      ...content,
      ir,
      tokenizer: { name: "char", metadata: { "tokenizer.alphabet": "abc" } },
    });
    const { bundle, diagnostics } = readBundle(out);
    expect(diagnostics).toEqual([]);
    expect(bundle!.manifest.source.includes).toEqual([
      { file: "blocks/x.loom", sha256: expect.any(String), text: "// shared\n" },
    ]);
    expect(bundle!.manifest.tokenizer).toEqual({
      name: "char",
      metadata: { "tokenizer.alphabet": "abc" },
    });
  });

  it("gives kernels safe, distinct file names", () => {
    expect(kernelFileNames(["matmul", "h.0/attn", "../x", "A", "a", "a", ""])).toEqual([
      "kernels/matmul.wgsl",
      "kernels/h.0_attn.wgsl",
      "kernels/_._x.wgsl",
      "kernels/A.wgsl",
      "kernels/a-2.wgsl",
      "kernels/a-3.wgsl",
      "kernels/_.wgsl",
    ]);
  });

  it("round-trips a plan with several kernels whose names collide as files", () => {
    const content = miniContent();
    const copy = content.plan.kernels[0]!;
    content.plan.kernels.push({ ...copy, name: "Copy", wgsl: `// second\n${copy.wgsl}` });
    content.plan.steps.push({ ...content.plan.steps[0]!, kernel: "Copy" });
    content.plan.buffers[1]!.lifetime = [0, 1]; // the output is bound by both steps now
    const out = join(tempDir(), "b");
    expect(writeBundle(out, content).diagnostics).toEqual([]);
    expect(listing(out)).toContain("kernels/Copy-2.wgsl");
    const { bundle, diagnostics } = readBundle(out);
    expect(diagnostics).toEqual([]);
    expect(bundle!.plan).toEqual(content.plan);
  });
});

describe("overwriting", () => {
  it("refuses an existing OUT without force and leaves it alone", () => {
    const parent = tempDir();
    const out = join(parent, "b");
    writeBundle(out, miniContent());
    const before = snapshot(out);
    const again = writeBundle(out, miniContent());
    expect(codes(again.diagnostics)).toEqual(["E0615"]);
    expect(again.diagnostics[0]!.message).toBe(`\`${out}\` already exists`);
    expect(again.diagnostics[0]!.hint).toContain("--force");
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(["b"]);
  });

  it("replaces a bundle with force, leaving nothing beside it", () => {
    const parent = tempDir();
    const out = join(parent, "b");
    writeBundle(out, miniContent());
    const content = miniContent();
    content.createdBy = "second";
    expect(writeBundle(out, content, { force: true }).diagnostics).toEqual([]);
    expect(readBundle(out).manifest!.createdBy).toBe("second");
    expect(readdirSync(parent)).toEqual(["b"]);
  });

  it("replaces an empty directory with force", () => {
    const parent = tempDir();
    const empty = join(parent, "empty");
    mkdirSync(empty);
    expect(writeBundle(empty, miniContent(), { force: true }).diagnostics).toEqual([]);
    expect(readBundle(empty).diagnostics).toEqual([]);
    expect(readdirSync(parent)).toEqual(["empty"]);
  });

  /** Writes over `path` with force; expects E0640 with `why`, and `path` and its parent unchanged. */
  function expectRefused(path: string, why: string) {
    const parent = join(path, "..");
    const before = existsSync(path) && statSync(path).isDirectory() ? snapshot(path) : undefined;
    const siblings = readdirSync(parent);
    const refused = writeBundle(path, miniContent(), { force: true });
    expect(codes(refused.diagnostics)).toEqual(["E0640"]);
    expect(refused.diagnostics[0]!.message).toBe(
      `\`${path}\` exists and ${why}; it was not replaced`,
    );
    expect(refused.written).toBeUndefined();
    if (before) expect(snapshot(path)).toEqual(before);
    expect(readdirSync(parent)).toEqual(siblings);
  }

  it("refuses with force a folder of the user's (E0640) and leaves it alone", () => {
    const precious = join(tempDir(), "src");
    mkdirSync(precious);
    writeFileSync(join(precious, "main.ts"), "keep me");
    expectRefused(precious, "has no manifest.json: it is not a bundle");
    expect(readFileSync(join(precious, "main.ts"), "utf8")).toBe("keep me");
  });

  it("refuses with force a file or a symbolic link", () => {
    const parent = tempDir();
    const file = join(parent, "file");
    writeFileSync(file, "x");
    expectRefused(file, "is not a directory");
    expect(readFileSync(file, "utf8")).toBe("x");
    const bundle = join(parent, "bundle");
    writeBundle(bundle, miniContent());
    const link = join(parent, "link");
    symlinkSync(bundle, link);
    expectRefused(link, "is a symbolic link");
    expect(readlinkSync(link)).toBe(bundle);
  });

  it("refuses with force a directory whose manifest does not validate", () => {
    const parent = tempDir();
    const notLoom = join(parent, "other");
    mkdirSync(notLoom);
    writeFileSync(join(notLoom, "manifest.json"), '{"name": "some web app", "version": 3}');
    expectRefused(notLoom, "its manifest.json does not validate");
    const forged = join(parent, "forged");
    mkdirSync(forged);
    writeFileSync(join(forged, "manifest.json"), '{"format": "loom-bundle", "formatVersion": 1}');
    expectRefused(forged, "its manifest.json does not validate");
  });

  it("refuses with force a bundle holding a file of the user's, anywhere in it", () => {
    const parent = tempDir();
    const out = join(parent, "b");
    writeBundle(out, miniContent());
    writeFileSync(join(out, "notes.txt"), "mine");
    expectRefused(out, "holds `notes.txt`, which is not a file of the bundle");
    rmSync(join(out, "notes.txt"));
    writeFileSync(join(out, "kernels", "mine.wgsl"), "// mine");
    expectRefused(out, "holds `kernels/mine.wgsl`, which is not a file of the bundle");
    rmSync(join(out, "kernels", "mine.wgsl"));
    mkdirSync(join(out, "data"));
    expectRefused(out, "holds `data/`, which is not a file of the bundle");
  });

  it("replaces with force a bundle of an older format version, unless it holds a file of the user's", () => {
    const parent = tempDir();
    const old = join(parent, "old");
    writeBundle(old, miniContent());
    // As version 2 wrote it: no weight formats in the manifest.
    const manifest = JSON.parse(readFileSync(join(old, "manifest.json"), "utf8"));
    manifest.formatVersion = 2;
    delete manifest.weights.format;
    delete manifest.weights.formats;
    writeFileSync(join(old, "manifest.json"), JSON.stringify(manifest));
    expect(codes(readBundle(old).diagnostics)).toContain("E0621");
    writeFileSync(join(old, "notes.txt"), "mine");
    expectRefused(old, "holds `notes.txt`, which is not a file of the bundle");
    rmSync(join(old, "notes.txt"));
    expect(writeBundle(old, miniContent(), { force: true }).diagnostics).toEqual([]);
    expect(readBundle(old).diagnostics).toEqual([]);
  });

  it("reports a missing parent directory", () => {
    const out = join(tempDir(), "no", "such", "b");
    const result = writeBundle(out, miniContent());
    expect(codes(result.diagnostics)).toEqual(["E0615"]);
    expect(result.diagnostics[0]!.message).toContain("parent directory");
  });
});

describe("atomicity", () => {
  /** Node's operations, with `op` failing on its `nth` call (1-based). */
  function failing(op: keyof WriteOps, nth: number): WriteOps {
    let calls = 0;
    return {
      ...nodeWriteOps,
      [op]: (...args: unknown[]) => {
        if (++calls === nth) throw Object.assign(new Error("injected failure"), { code: "EIO" });
        return (nodeWriteOps[op] as (...a: unknown[]) => void)(...args);
      },
    };
  }

  const failures: [keyof WriteOps, number, string][] = [
    ["mkdir", 1, "create a temporary directory"],
    ["mkdir", 2, "create kernels/"],
    ["writeFile", 1, "write kernels/copy.wgsl"],
    ["writeFile", 2, "write weights.safetensors"],
    ["writeFile", 3, "write manifest.json"],
    ["syncDir", 1, "sync the bundle's directories"],
  ];

  for (const [op, nth, step] of failures) {
    it(`a failure to ${step} leaves no OUT and no temporary directory`, () => {
      const parent = tempDir();
      const out = join(parent, "b");
      const result = writeBundle(out, miniContent(), { ops: failing(op, nth) });
      expect(codes(result.diagnostics)).toEqual(["E0615"]);
      expect(result.diagnostics[0]!.message).toBe(
        `cannot write \`${out}\`: failed to ${step}: injected failure`,
      );
      expect(result.written).toBeUndefined();
      expect(readdirSync(parent)).toEqual([]);
    });

    it(`a failure to ${step} keeps an existing OUT intact (with force)`, () => {
      const parent = tempDir();
      const out = join(parent, "b");
      writeBundle(out, miniContent());
      const before = snapshot(out);
      const content = miniContent();
      content.createdBy = "second";
      const result = writeBundle(out, content, { force: true, ops: failing(op, nth) });
      expect(codes(result.diagnostics)).toEqual(["E0615"]);
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(["b"]);
    });
  }

  it("a failed rename into place puts the old bundle back", () => {
    const parent = tempDir();
    const out = join(parent, "b");
    writeBundle(out, miniContent());
    const before = snapshot(out);
    // rename 1 moves the old bundle aside, rename 2 (the new one into place) fails, rename 3 restores.
    const result = writeBundle(out, miniContent(), { force: true, ops: failing("rename", 2) });
    expect(codes(result.diagnostics)).toEqual(["E0615"]);
    expect(result.diagnostics[0]!.message).toContain("failed to rename the new bundle");
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(["b"]);
  });

  it("a failed rename with no old bundle leaves nothing", () => {
    const parent = tempDir();
    const result = writeBundle(join(parent, "b"), miniContent(), { ops: failing("rename", 1) });
    expect(codes(result.diagnostics)).toEqual(["E0615"]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("the old bundle is deleted only after the new one is in place", () => {
    const parent = tempDir();
    const out = join(parent, "b");
    writeBundle(out, miniContent());
    const seen: string[] = [];
    const ops: WriteOps = {
      ...nodeWriteOps,
      rename: (from, to) => {
        seen.push(`rename ${from.slice(parent.length + 1)} → ${to.slice(parent.length + 1)}`);
        nodeWriteOps.rename(from, to);
      },
      removeTree: (path) => {
        seen.push(`remove ${path.slice(parent.length + 1)} (OUT exists: ${existsSync(out)})`);
        nodeWriteOps.removeTree(path);
      },
    };
    expect(writeBundle(out, miniContent(), { force: true, ops }).diagnostics).toEqual([]);
    expect(seen).toEqual([
      expect.stringMatching(/^rename b → \.b\.loom-old-\d+-[0-9a-f]{8}$/),
      expect.stringMatching(/^rename \.b\.loom-tmp-\S+ → b$/),
      expect.stringMatching(/^rename \.b\.loom-old-\S+ → \.b\.loom-del-\S+$/),
      expect.stringMatching(/^remove \.b\.loom-del-\S+ \(OUT exists: true\)$/),
    ]);
  });
});

it("irOf checks the mini spec clean", () => {
  expect(irOf(MINI_SPEC).model).toBe("mini");
});
