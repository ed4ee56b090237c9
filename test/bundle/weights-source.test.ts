/**
 * What a bundle's parts must agree on beyond their hashes: every weight tensor stored in the
 * dtype the plan declares (E0624, even when the manifest's size and hash were updated to match),
 * and the spec text elaborating to the stored IR (W0625 from the API, which trusts the IR).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSpec, encodeCompiled } from "../../src/api/compile.ts";
import { readBundle as readChecked } from "../../src/api/bundle.ts";
import { bundleFromFiles } from "../../src/api/browser-bundle.ts";
import { loadBundle } from "../../src/api/model.ts";
import { writeBundle } from "../../src/compiler/bundle/write.ts";
import { sha256 } from "../../src/contracts/bundle/hash.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { readSafetensors, writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { codes, expectWellFormed, fakeLower, miniContent, MINI_SPEC, tempDir } from "./helpers.ts";

const pristine = join(tempDir(), "pristine");
writeBundle(pristine, miniContent());

/** A copy of the good bundle whose manifest `edit` changes (with its hashes kept right by it). */
function copyWith(edit: (dir: string, m: Record<string, any>) => void): string {
  const dir = join(tempDir(), "b");
  cpSync(pristine, dir, { recursive: true });
  const path = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(dir, manifest);
  writeFileSync(path, JSON.stringify(manifest));
  return dir;
}

/** The bundle with its weights rewritten as F16, the manifest's size and hash updated to match. */
function f16Weights(): string {
  return copyWith((dir, m) => {
    const path = join(dir, "weights.safetensors");
    const read = readSafetensors(readFileSync(path), path);
    const bytes = writeSafetensors(read.tensors!, { dtype: "f16", metadata: read.metadata });
    writeFileSync(path, bytes);
    m.weights.bytes = bytes.length;
    m.weights.sha256 = sha256(bytes);
  });
}

/** The bundle with its spec text replaced by `text`, the hash updated to match. */
function swappedSource(text: string): string {
  return copyWith((_dir, m) => {
    m.source.text = text;
    m.source.sha256 = sha256(text);
  });
}

describe("weights against the plan", () => {
  it("E0624: weights rewritten as F16 are refused, naming each tensor", () => {
    const { bundle, diagnostics } = readBundle(f16Weights());
    expectWellFormed(diagnostics);
    expect(bundle).toBeUndefined();
    expect(new Set(codes(diagnostics))).toEqual(new Set(["E0624"]));
    expect(diagnostics.length).toBe(9); // the mini spec's nine weights
    expect(diagnostics[0]!.message).toMatch(
      /^tensor `[a-z_0-9.]+` \[[\d, ]+\] is stored as F16, but the bundle declares F32$/,
    );
    expect(diagnostics[0]!.notes[0]).toBe("weights.dtype in the manifest is F32");
  });

  it("E0624 in a browser too: the same check on dropped files", () => {
    const dir = f16Weights();
    const files = ["manifest.json", "kernels/copy.wgsl", "weights.safetensors"].map((path) => ({
      path,
      bytes: new Uint8Array(readFileSync(join(dir, path))),
    }));
    expect(new Set(codes(bundleFromFiles(files).diagnostics))).toEqual(new Set(["E0624"]));
  });

  it("E0614: a weight buffer whose size is not its weights'", () => {
    const dir = copyWith((_dir, m) => (m.plan.buffers[0].elements += 1));
    const { diagnostics } = readBundle(dir);
    expect(codes(diagnostics)).toEqual(["E0614"]);
    expect(diagnostics[0]!.message).toMatch(/has \d+ elements, but the weights it holds have \d+$/);
  });
});

describe("spec text against the IR", () => {
  it("W0625: another spec's text, with its hash updated, is noticed; the IR is trusted", () => {
    const other = MINI_SPEC.replace("act = gelu_tanh", "act = relu");
    expect(other).not.toBe(MINI_SPEC);
    const dir = swappedSource(other);
    expect(readBundle(dir).diagnostics).toEqual([]); // the formats layer cannot elaborate
    const read = readChecked(dir);
    expectWellFormed(read.diagnostics);
    expect(read.bundle).toBeDefined();
    expect(codes(read.diagnostics)).toEqual(["W0625"]);
    const d = read.diagnostics[0]!;
    expect(d.message).toMatch(
      /^the bundle's spec text \(source\.text, `mini\.loom`\) does not elaborate to its IR: the text gives "relu" at `ir\.nodes\[\d+\]\..*`, the IR holds "gelu_tanh"; the IR is what runs$/,
    );
    expect(d.notes[0]).toContain("Loom trusts the IR");
    expect(loadBundle(dir).warnings.map((w) => w.code)).toEqual(["W0625"]);
  });

  it("W0625: text that does not check at all", () => {
    const read = readChecked(swappedSource("model mini {"));
    expect(codes(read.diagnostics)).toEqual(["W0625"]);
    expect(read.diagnostics[0]!.message).toContain("it does not check: E01");
  });

  it("no warning for a bundle compiled from a spec with includes, and one for a changed include", () => {
    const block = readFileSync("specs/blocks/llama.loom", "utf8");
    const spec = `include "blocks/llama.loom"
model tiny {
  dims { vocab = 16, ctx = 8, d = 8, layers = 1, heads = 2, kv_heads = 1, ffn = 16 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d)
  repeat layers { x = llama_block(x, heads, kv_heads, ffn, 10000) }
  output logits = linear(rmsnorm(x), vocab, bias = false)
}
`;
    const files: Record<string, string> = { "m/tiny.loom": spec, "m/blocks/llama.loom": block };
    const compiled = compileSpec("m/tiny.loom", { read: (p) => files[p]! }, fakeLower());
    const encoded = encodeCompiled(compiled);
    expect(encoded.manifest.source.includes.map((f) => f.file)).toEqual(["m/blocks/llama.loom"]);
    expect(bundleFromFiles(encoded.files).diagnostics).toEqual([]);

    const manifest = JSON.parse(JSON.stringify(encoded.manifest));
    const include = manifest.source.includes[0];
    include.text = block.replace("eps = 1e-5) {\n  h", "eps = 1e-6) {\n  h");
    expect(include.text).not.toBe(block);
    include.sha256 = sha256(include.text);
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const edited = encoded.files.map((f) => (f.path === "manifest.json" ? { ...f, bytes } : f));
    const read = bundleFromFiles(edited);
    expect(codes(read.diagnostics)).toEqual(["W0625"]);
    expect(read.diagnostics[0]!.message).toContain("the text gives 0.000001");
  });
});
