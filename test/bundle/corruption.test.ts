/**
 * Reading damaged bundles: every kind of corruption gives its coded diagnostic naming the file,
 * and reading never throws (fast-check fuzz over the manifest's bytes and values).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { encodeBundle, type EncodedBundle } from "../../src/compiler/bundle/encode.ts";
import { sha256 } from "../../src/contracts/bundle/hash.ts";
import { decodeBundle, type BundleSource } from "../../src/formats/bundle/read.ts";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { codes, damagedCopy, expectWellFormed, miniContent, tempDir } from "./helpers.ts";

/** One good bundle on disk, copied for each damage. */
const pristine = join(tempDir(), "pristine");
writeBundle(pristine, miniContent());
const manifestText = readFileSync(join(pristine, "manifest.json"), "utf8");

/** A copy of the good bundle after `damage`, read back. */
const damaged = (damage: (dir: string) => void) => damagedCopy(pristine, damage);

/** A copy whose manifest is `edit`ed as JSON. */
function editedManifest(edit: (m: Record<string, any>) => void) {
  return damaged((dir) => {
    const manifest = JSON.parse(manifestText);
    edit(manifest);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  });
}

function only(diagnostics: Diagnostic[], code: string): Diagnostic {
  expect(codes(diagnostics)).toEqual([code]);
  return diagnostics[0]!;
}

describe("corrupt bundles", () => {
  it("reads the pristine bundle clean", () => {
    expect(readBundle(pristine).diagnostics).toEqual([]);
  });

  it("E0610: a directory with no manifest", () => {
    const dir = tempDir();
    const { bundle, diagnostics } = readBundle(dir);
    expect(bundle).toBeUndefined();
    const d = only(diagnostics, "E0610");
    expect(d.message).toBe(
      `cannot read manifest.json (the bundle's manifest) of the bundle \`${dir}\`: it does not exist`,
    );
    expect(d.span.file).toBe(join(dir, "manifest.json"));
  });

  it("E0610: a missing kernel file and a missing weights file, both reported", () => {
    const { bundle, manifest, diagnostics } = damaged((dir) => {
      rmSync(join(dir, "kernels/copy.wgsl"));
      rmSync(join(dir, "weights.safetensors"));
    });
    expect(bundle).toBeUndefined();
    expect(manifest?.model).toBe("mini");
    expect(codes(diagnostics)).toEqual(["E0610", "E0610"]);
    expect(diagnostics[0]!.message).toContain("kernels/copy.wgsl (the WGSL of kernel `copy`)");
    expect(diagnostics[1]!.message).toContain("weights.safetensors (the weights)");
  });

  it("E0611: a truncated manifest", () => {
    const d = only(
      damaged((dir) => writeFileSync(join(dir, "manifest.json"), manifestText.slice(0, 500)))
        .diagnostics,
      "E0611",
    );
    expect(d.message).toMatch(/^manifest\.json is not valid JSON: /);
  });

  it("E0611: a manifest that is not UTF-8, or not an object", () => {
    only(
      damaged((dir) =>
        writeFileSync(join(dir, "manifest.json"), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      ).diagnostics,
      "E0611",
    );
    expect(
      only(
        damaged((dir) => writeFileSync(join(dir, "manifest.json"), "[1, 2]")).diagnostics,
        "E0611",
      ).message,
    ).toBe("manifest.json is not a JSON object");
  });

  it("E0611: a manifest of something else", () => {
    const d = only(editedManifest((m) => (m.format = "onnx")).diagnostics, "E0611");
    expect(d.message).toBe(
      'manifest.json is not a Loom bundle manifest: `format` is "onnx", expected "loom-bundle"',
    );
  });

  it("E0611: every schema problem with its JSON path", () => {
    const { diagnostics } = editedManifest((m) => {
      m.plan.kernels[0].workgroupSize[0] = "64";
      delete m.weights.sha256;
      m.surplus = true;
      m.ir.nodes[1].op = 3;
    });
    expect(codes(diagnostics)).toEqual(["E0611", "E0611", "E0611", "E0611"]);
    expect(diagnostics.map((d) => d.message).sort()).toEqual(
      [
        "invalid bundle manifest: the top level has unknown key `surplus`",
        'invalid bundle manifest: `plan.kernels[0].workgroupSize[0]`: expected a number, found the string "64"',
        "invalid bundle manifest: `weights.sha256`: expected a string, found nothing (the field is missing)",
        "invalid bundle manifest: `ir.nodes[1].op`: expected a string, found number 3",
      ].sort(),
    );
  });

  it("E0611: many problems are listed up to twenty, then counted", () => {
    const { diagnostics } = editedManifest((m) => {
      for (const node of m.ir.nodes) Object.assign(node, { op: 1, name: 2, output: "x" });
      for (const value of m.ir.values) value.dtype = 1;
    });
    expect(diagnostics.length).toBe(21);
    expect(diagnostics[20]!.message).toMatch(/^invalid bundle manifest: \d+ more problems$/);
  });

  it("E0612: a newer format version names the Loom version needed", () => {
    const d = only(
      editedManifest((m) => {
        m.formatVersion = 4;
        m.compilerVersion = "0.4.0";
        m.newField = {};
      }).diagnostics,
      "E0612",
    );
    expect(d.message).toBe(
      "the bundle has format version 4, newer than this Loom (0.1.0) reads: it reads version 3; the bundle needs Loom 0.4.0 or newer",
    );
    expect(d.hint).toContain("upgrade Loom to 0.4.0 or newer");
  });

  it("E0611: a format version that is not a positive integer", () => {
    expect(only(editedManifest((m) => (m.formatVersion = 0)).diagnostics, "E0611").message).toBe(
      "invalid bundle manifest: `formatVersion`: expected 3, found number 0",
    );
  });

  it("E0613: an edited WGSL file of the same size names the file", () => {
    const { diagnostics } = damaged((dir) => {
      const path = join(dir, "kernels/copy.wgsl");
      writeFileSync(path, readFileSync(path, "utf8").replace("dst[id.x]", "dst[id.y]"));
    });
    const d = only(diagnostics, "E0613");
    expect(d.message).toBe(
      "kernels/copy.wgsl (the WGSL of kernel `copy`) is corrupted: its SHA-256 does not match the manifest",
    );
    expect(d.span.file).toMatch(/kernels\/copy\.wgsl$/);
  });

  it("E0613: a flipped byte in the weights, and truncated weights", () => {
    const flipped = damaged((dir) => {
      const path = join(dir, "weights.safetensors");
      const bytes = readFileSync(path);
      bytes[bytes.length - 3]! ^= 0x40;
      writeFileSync(path, bytes);
    });
    expect(only(flipped.diagnostics, "E0613").message).toBe(
      "weights.safetensors is corrupted: its SHA-256 does not match the manifest",
    );
    const truncated = damaged((dir) => {
      const path = join(dir, "weights.safetensors");
      writeFileSync(path, readFileSync(path).subarray(0, 100));
    });
    expect(only(truncated.diagnostics, "E0613").message).toMatch(
      /^weights\.safetensors is corrupted: it has 100 bytes, the manifest says \d+$/,
    );
  });

  it("E0613: an edited spec text in the manifest", () => {
    const d = only(editedManifest((m) => (m.source.text += "\n// edited")).diagnostics, "E0613");
    expect(d.message).toBe(
      "the spec text in manifest.json (source.text, `mini.loom`) does not match its hash",
    );
  });

  it("E0614: a step naming a kernel the plan does not have", () => {
    const d = only(editedManifest((m) => (m.plan.steps[0].kernel = "gone")).diagnostics, "E0614");
    expect(d.message).toBe(
      "plan.steps[0] dispatches the kernel `gone`, which the plan does not have",
    );
  });

  it("E0614: a step binding unknown buffers or the wrong number of them", () => {
    const { diagnostics } = editedManifest((m) => (m.plan.steps[0].buffers = [0, 1, 9]));
    expect(diagnostics.map((d) => d.message)).toEqual([
      "plan.steps[0] binds buffer 9, which the plan does not have",
      "plan.steps[0] binds 3 buffers to the kernel `copy`, which has 2 storage bindings",
    ]);
  });

  it("E0614: requirements that are not the plan's", () => {
    const raised = only(
      editedManifest((m) => (m.requirements.limits.maxComputeWorkgroupSizeX = 1)).diagnostics,
      "E0614",
    );
    expect(raised.notes).toEqual(["maxComputeWorkgroupSizeX: recorded 1, the plan needs 64"]);
  });

  it("E0614: duplicate names, a weight buffer of no declared weight, a wrong model name", () => {
    const { diagnostics } = editedManifest((m) => {
      m.plan.buffers[1].id = 0;
      m.plan.buffers[0].weights = ["nope.weight"];
      m.model = "other";
    });
    expect(diagnostics.map((d) => d.message)).toEqual([
      "the manifest's model is `other` but its IR is of `mini`",
      "the buffer id `0` appears twice in the plan",
      "plan.steps[0] binds buffer 1, which the plan does not have",
      "the weight buffer `wte.weight` (id 0) holds `nope.weight`, which the IR does not declare",
    ]);
  });

  it("E05xx: weights whose hash matches but which lack a weight", () => {
    const { diagnostics } = damaged((dir) => {
      const content = miniContent();
      const weights = new Map(content.weights);
      weights.delete([...weights.keys()][1]!);
      const bytes = writeSafetensors(weights);
      writeFileSync(join(dir, "weights.safetensors"), bytes);
      const manifest = JSON.parse(manifestText);
      manifest.weights.sha256 = sha256(bytes);
      manifest.weights.bytes = bytes.length;
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    });
    expect(codes(diagnostics)).toEqual(["E0505"]);
    expect(diagnostics[0]!.span.file).toMatch(/weights\.safetensors$/);
  });
});

/** A bundle held in memory, so the fuzz does not touch the disk. */
function memorySource(files: EncodedBundle["files"], manifest: Uint8Array): BundleSource {
  const map = new Map(files.map((f) => [f.path, f.bytes]));
  map.set("manifest.json", manifest);
  return {
    location: "mem",
    pathOf: (file) => `mem/${file}`,
    read: (file) => {
      const bytes = map.get(file);
      if (!bytes) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      return bytes;
    },
  };
}

describe("fuzz: damaged manifests never throw", () => {
  const encoded = encodeBundle(miniContent());
  const good = encoded.files.find((f) => f.path === "manifest.json")!.bytes;
  const expectHandled = (bytes: Uint8Array) => {
    const result = decodeBundle(memorySource(encoded.files, bytes));
    expectWellFormed(result.diagnostics);
    for (const d of result.diagnostics) {
      // E05/E06: weights and bundle problems; E07: reading verifies the plan, and a manifest
      // edited into a consistent but unsound plan (a step deleted) fails there, as it should.
      expect(d.code).toMatch(/^[EW]0[567]\d\d$/);
      expect(d.message).not.toMatch(/internal error/);
      expect(d.span.file.startsWith("mem/")).toBe(true);
    }
    if (!result.bundle) expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
    else expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  };

  it("the pristine manifest reads clean from memory", () => {
    const result = decodeBundle(memorySource(encoded.files, good));
    expect(result.diagnostics).toEqual([]);
    expect(result.bundle).toBeDefined();
  });

  it("truncated at any byte before the closing brace", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 2 }), (end) => {
        const result = decodeBundle(memorySource(encoded.files, good.subarray(0, end)));
        expectWellFormed(result.diagnostics);
        expect(result.bundle).toBeUndefined();
        expect(codes(result.diagnostics)).toEqual(["E0611"]);
      }),
      { numRuns: 150 },
    );
  });

  it("with random bytes overwritten", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 })),
          { minLength: 1, maxLength: 8 },
        ),
        (edits) => {
          const bytes = new Uint8Array(good);
          for (const [at, value] of edits) bytes[at] = value;
          expectHandled(bytes);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("with a random value replaced or deleted at a random path", () => {
    const json = JSON.parse(new TextDecoder().decode(good));
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (value && typeof value === "object")
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(json, []);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: paths.length - 1 }),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        (which, replacement) => {
          const copy = structuredClone(json);
          const path = paths[which]!;
          if (path.length === 0) {
            expectHandled(new TextEncoder().encode(JSON.stringify(replacement ?? null)));
            return;
          }
          let parent = copy;
          for (const key of path.slice(0, -1)) parent = parent[key];
          const last = path[path.length - 1]!;
          if (replacement === undefined) {
            if (Array.isArray(parent)) parent.splice(last as number, 1);
            else delete parent[last];
          } else parent[last] = replacement;
          expectHandled(new TextEncoder().encode(JSON.stringify(copy)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("with a step of the plan deleted: the plan verifier refuses it (E0701), nothing thrown", () => {
    const json = JSON.parse(new TextDecoder().decode(good));
    json.plan.steps.splice(0, 1);
    const bytes = new TextEncoder().encode(JSON.stringify(json));
    expectHandled(bytes);
    const { bundle, diagnostics } = decodeBundle(memorySource(encoded.files, bytes));
    expect(bundle).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toContain("E0701");
  });
});
