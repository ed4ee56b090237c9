/**
 * A spec that names a tokenizer.json (`tokenizer "file:tok.json"`): loaded beside the spec,
 * copied into the bundle by compile, read back from the bundle on disk and in memory (as a
 * browser reads it), every file problem a coded error.
 */
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleFromFiles } from "../../src/api/browser-bundle.ts";
import { compileSpec, encodeCompiled, writeCompiledBundle } from "../../src/api/compile.ts";
import { loadModel } from "../../src/api/model.ts";
import { MAX_TOKENIZER_BYTES } from "../../src/contracts/bundle/limits.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { codes, fakeLower, MINI_SPEC, tempDir } from "../bundle/helpers.ts";

const FIXTURE = new URL("./hub/bytelevel-bpe.tokenizer.json", import.meta.url);
const REFERENCE = JSON.parse(
  readFileSync(new URL("./hub/bytelevel-bpe.ids.json", import.meta.url), "utf8"),
) as { cases: { text: string; ids: number[] }[] };
const FIXTURE_SIZE = readFileSync(FIXTURE).length;
const SAMPLE = REFERENCE.cases[3]!; // "Call me Ishmael. Some years ago—never mind how long precisely—"

/** A directory with the mini spec naming `tok.json`, and the fixture there unless `json` says otherwise. */
function specDir(json: string | null = readFileSync(FIXTURE, "utf8")): string {
  const dir = tempDir();
  const spec = MINI_SPEC.replace("model mini {", 'model mini {\n  tokenizer "file:tok.json"');
  writeFileSync(join(dir, "mini.loom"), spec);
  if (json !== null) writeFileSync(join(dir, "tok.json"), json);
  return dir;
}

/** The LoomError `run` throws. */
function thrown(run: () => unknown): { code?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("it did not throw");
}

describe('tokenizer "file:…" in a spec', () => {
  it("loads the tokenizer.json beside the spec", () => {
    const model = loadModel(join(specDir(), "mini.loom"), { backend: "cpu" });
    expect(model.ir.tokenizer).toBe("file:tok.json");
    expect(model.tokenizer!.encode(SAMPLE.text)).toEqual(SAMPLE.ids);
  });

  it("is copied into the bundle, which then needs nothing beside it", () => {
    const dir = specDir();
    const compiled = compileSpec(join(dir, "mini.loom"), {}, fakeLower());
    const out = join(dir, "bundle");
    writeCompiledBundle(compiled, out);
    rmSync(join(dir, "tok.json"));
    const tokenizer = readBundle(out).manifest!.tokenizer!;
    expect(tokenizer.name).toBe("file:tok.json");
    expect(tokenizer.file).toMatchObject({ file: "tokenizer.json", bytes: FIXTURE_SIZE });
    expect(readFileSync(join(out, "tokenizer.json"))).toEqual(readFileSync(FIXTURE));
    const model = loadModel(out, { backend: "cpu" });
    expect(model.tokenizer!.encode(SAMPLE.text)).toEqual(SAMPLE.ids);
    // In memory, as a browser reads a bundle.
    const read = bundleFromFiles(encodeCompiled(compiled).files);
    expect(read.diagnostics).toEqual([]);
    expect(read.bundle!.tokenizerJson).toBe(readFileSync(FIXTURE, "utf8"));
  });

  it("refuses a bundle whose tokenizer.json was changed (E0613) or grew (E0623)", () => {
    const dir = specDir();
    const out = join(dir, "bundle");
    writeCompiledBundle(compileSpec(join(dir, "mini.loom"), {}, fakeLower()), out);
    const text = readFileSync(join(out, "tokenizer.json"), "utf8");
    writeFileSync(join(out, "tokenizer.json"), text.replace('"<s>"', '"<S>"'));
    expect(codes(readBundle(out).diagnostics)).toEqual(["E0613"]);
    writeFileSync(join(out, "tokenizer.json"), `${text} `);
    expect(codes(readBundle(out).diagnostics)).toEqual(["E0623"]);
    rmSync(join(out, "tokenizer.json"));
    expect(codes(readBundle(out).diagnostics)).toEqual(["E0610"]);
  });

  it("E0614: a manifest whose tokenizer.file disagrees with the tokenizer's name", () => {
    const files = encodeCompiled(compileSpec(join(specDir(), "mini.loom"), {}, fakeLower())).files;
    const edit = (change: (manifest: any) => void) => {
      const file = files.find((f) => f.path === "manifest.json")!;
      const manifest = JSON.parse(new TextDecoder().decode(file.bytes));
      change(manifest);
      const bytes = new TextEncoder().encode(JSON.stringify(manifest));
      return bundleFromFiles(files.map((f) => (f === file ? { ...f, bytes } : f)));
    };
    const dropped = edit((m) => delete m.tokenizer.file);
    expect(codes(dropped.diagnostics)).toEqual(["E0614"]);
    expect(dropped.diagnostics[0]!.message).toContain("records no tokenizer.file");
    const builtIn = edit((m) => {
      m.tokenizer.name = "gpt2";
      m.ir.tokenizer = "gpt2";
    });
    expect(codes(builtIn.diagnostics)).toContain("E0614");
  });

  it("E0540: a missing tokenizer.json, for load and compile", () => {
    const spec = join(specDir(null), "mini.loom");
    for (const run of [
      () => loadModel(spec, { backend: "cpu" }),
      () => compileSpec(spec, {}, fakeLower()),
    ]) {
      const error = thrown(run);
      expect(error.code).toBe("E0540");
      expect(error.message).toMatch(/cannot read the tokenizer .*tok\.json: it does not exist/);
    }
  });

  it("E0541 and E0542: a corrupt or unsupported tokenizer.json is refused at compile", () => {
    const corrupt = thrown(() => compileSpec(join(specDir("{"), "mini.loom"), {}, fakeLower()));
    expect(corrupt.code).toBe("E0541");
    const bytes = new Uint8Array([0x7b, 0xff, 0x7d]);
    const notUtf8 = specDir(null);
    writeFileSync(join(notUtf8, "tok.json"), bytes);
    expect(thrown(() => loadModel(join(notUtf8, "mini.loom"), { backend: "cpu" })).code).toBe(
      "E0541",
    );
    const json = JSON.parse(readFileSync(FIXTURE, "utf8"));
    json.model.type = "WordLevel";
    const unsupported = thrown(() =>
      compileSpec(join(specDir(JSON.stringify(json)), "mini.loom"), {}, fakeLower()),
    );
    expect(unsupported.code).toBe("E0542");
    expect(unsupported.message).toContain('`model.type` is "WordLevel"');
  });

  it("E0543: a tokenizer.json over 64 MiB is refused before it is read", () => {
    const dir = specDir(null);
    writeFileSync(join(dir, "tok.json"), "");
    truncateSync(join(dir, "tok.json"), MAX_TOKENIZER_BYTES + 1); // sparse: nothing is written
    const error = thrown(() => loadModel(join(dir, "mini.loom"), { backend: "cpu" }));
    expect(error.code).toBe("E0543");
    expect(error.message).toContain(`has ${MAX_TOKENIZER_BYTES + 1} bytes`);
  });

  it("the tokenizer option replaces the spec's tokenizer", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "mini.loom"), MINI_SPEC);
    copyFileSync(FIXTURE, join(dir, "other.json"));
    const model = loadModel(join(dir, "mini.loom"), {
      backend: "cpu",
      tokenizer: join(dir, "other.json"),
    });
    expect(model.tokenizer!.encode(SAMPLE.text)).toEqual(SAMPLE.ids);
  });
});
