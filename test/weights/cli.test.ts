/** `loom weights init` and `loom weights inspect`: files, exit statuses, messages, no stack traces. */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import { runWeightsInit, runWeightsInspect } from "../../src/cli/weights.ts";
import { declaredWeights } from "../../src/formats/weights/declared.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { readSafetensors, writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { craft, specIr } from "./helpers.ts";

function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    isTty: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

/** The parameter count of a spec, from its declared weights. */
const parameters = (spec: string) =>
  declaredWeights(specIr(spec)).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);

const made: string[] = [];
const dir = () => {
  const path = mkdtempSync(join(tmpdir(), "loom-weights-"));
  made.push(path);
  return path;
};
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true });
});
const init = { seed: 5, dtype: "f32", force: false } as const;

/** No output looks like a JavaScript stack trace. */
function expectNoStack(io: { out: string; err: string }) {
  expect(io.out + io.err).not.toMatch(/\n\s+at .*\(|internal error/);
}

describe("loom weights init", () => {
  it("writes the spec's weights in the loom layout with metadata, and prints a summary", () => {
    const out = join(dir(), "gpt.safetensors");
    const io = capture();
    expect(runWeightsInit("specs/tiny-gpt.loom", { ...init, out }, io)).toBe(0);
    expect(io.out).toBe(
      `wrote ${out}: tiny_gpt, 36 tensors, 120,576 parameters, f32, ${readFileSync(out).length.toLocaleString("en-US")} bytes (seed 5)\n`,
    );
    const bytes = new Uint8Array(readFileSync(out));
    const read = readSafetensors(bytes, out);
    expect(read.diagnostics).toEqual([]);
    expect(read.metadata).toMatchObject({
      "loom.layout": "loom",
      "loom.model": "tiny_gpt",
      "loom.seed": "5",
      "loom.source_sha256": createHash("sha256")
        .update(readFileSync("specs/tiny-gpt.loom", "utf8"))
        .digest("hex"),
    });
    const ir = specIr("specs/tiny-gpt.loom");
    const loaded = loadWeights(ir, out, bytes);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.layout).toBe("loom");
    // Streaming in chunks writes exactly what initWeights computes.
    for (const [name, t] of initWeights(ir, 5))
      expect(loaded.weights!.get(name)!.data).toEqual(t.data.map(Math.fround));
  });

  it("the same seed gives byte-identical files, in each dtype", () => {
    const d = dir();
    for (const dtype of ["f32", "f16", "bf16"] as const) {
      const [a, b, c] = ["a", "b", "c"].map((n) => join(d, `${n}-${dtype}.safetensors`));
      expect(runWeightsInit("specs/tiny-t5.loom", { ...init, dtype, out: a! }, capture())).toBe(0);
      expect(runWeightsInit("specs/tiny-t5.loom", { ...init, dtype, out: b! }, capture())).toBe(0);
      expect(
        runWeightsInit("specs/tiny-t5.loom", { ...init, dtype, seed: 6, out: c! }, capture()),
      ).toBe(0);
      expect(readFileSync(a!).equals(readFileSync(b!))).toBe(true);
      expect(readFileSync(a!).equals(readFileSync(c!))).toBe(false);
    }
  });

  it("refuses to overwrite without --force (exit 2), overwrites with it, leaves no temp file", () => {
    const d = dir();
    const out = join(d, "w.safetensors");
    writeFileSync(out, "keep me");
    const io = capture();
    expect(runWeightsInit("specs/tiny-gpt.loom", { ...init, out }, io)).toBe(2);
    expect(io.err).toBe(`error: \`${out}\` already exists; pass --force to overwrite it\n`);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    expect(runWeightsInit("specs/tiny-gpt.loom", { ...init, out, force: true }, capture())).toBe(0);
    expect(readdirSync(d)).toEqual(["w.safetensors"]);
  });

  it("a spec with errors prints its diagnostics and exits 1, writing nothing", () => {
    const d = dir();
    const spec = join(d, "bad.loom");
    writeFileSync(
      spec,
      "model bad {\n  dims { d = 10, heads = 3 }\n  input x: float[batch, seq, d]\n  output y = attention(x, heads)\n}\n",
    );
    const io = capture();
    expect(runWeightsInit(spec, { ...init, out: join(d, "w.safetensors") }, io)).toBe(1);
    expect(io.err).toMatch(/error\[E0302\]/);
    expect(readdirSync(d)).toEqual(["bad.loom"]);
    expectNoStack(io);
  });

  it("usage errors exit 2: missing spec, bad seed, bad dtype, unwritable path, directory", () => {
    const d = dir();
    const cases: [string, Parameters<typeof runWeightsInit>[1], RegExp][] = [
      ["specs/nope.loom", { ...init, out: join(d, "a") }, /E0103/],
      [
        "specs/tiny-gpt.loom",
        { ...init, seed: -1, out: join(d, "a") },
        /--seed must be an integer/,
      ],
      ["specs/tiny-gpt.loom", { ...init, seed: 2 ** 32, out: join(d, "a") }, /--seed/],
      [
        "specs/tiny-gpt.loom",
        { ...init, dtype: "f8" as "f32", out: join(d, "a") },
        /--dtype must be one of f32, f16, bf16/,
      ],
      [
        "specs/tiny-gpt.loom",
        { ...init, out: join(d, "no", "such", "dir.safetensors") },
        /cannot write .*no such file or directory/,
      ],
      ["specs/tiny-gpt.loom", { ...init, out: d, force: true }, /is a directory/],
    ];
    for (const [spec, opts, message] of cases) {
      const io = capture();
      expect(runWeightsInit(spec, opts, io), String(message)).toBe(2);
      expect(io.err).toMatch(message);
      expectNoStack(io);
    }
  });
});

describe("loom weights inspect", () => {
  const file = () => {
    const out = join(dir(), "w.safetensors");
    expect(
      runWeightsInit("specs/tiny-llama.loom", { ...init, dtype: "bf16", out }, capture()),
    ).toBe(0);
    return out;
  };

  it("lists tensors, metadata and totals", () => {
    const path = file();
    const io = capture();
    expect(runWeightsInspect(path, { json: false }, io)).toBe(0);
    expect(io.out).toMatch(/^metadata:\n {2}loom.layout = loom\n {2}loom.model = tiny_llama\n/m);
    expect(io.out).toMatch(/^ {2}embed_tokens\.weight +BF16 +\[256, 64\] +16,384$/m);
    const n = parameters("specs/tiny-llama.loom").toLocaleString("en-US");
    expect(io.out).toContain(`\ntotal: 21 tensors, ${n} parameters (BF16: 21 tensors, ${n})\n`);
    expect(io.err).toBe("");
  });

  it("prints JSON with the tensors, metadata, totals and the binding", () => {
    const path = file();
    const io = capture();
    expect(runWeightsInspect(path, { json: true, spec: "specs/tiny-llama.loom" }, io)).toBe(0);
    const report = JSON.parse(io.out);
    expect(report.metadata["loom.model"]).toBe("tiny_llama");
    expect(report.tensors[0]).toEqual({
      name: "embed_tokens.weight",
      dtype: "BF16",
      shape: [256, 64],
      count: 16384,
      dataOffsets: [0, 32768],
    });
    const n = parameters("specs/tiny-llama.loom");
    expect(report.totals).toEqual({ tensors: 21, parameters: n, dataBytes: 2 * n });
    expect(report.binding).toEqual({
      model: "tiny_llama",
      layout: "loom",
      bound: 21,
      declared: 21,
    });
    expect(report.diagnostics).toEqual([]);
  });

  it("binds to a spec and reports what does not fit (exit 1)", () => {
    const path = file();
    const io = capture();
    expect(runWeightsInspect(path, { json: false, spec: "specs/tiny-gpt.loom" }, io)).toBe(1);
    expect(io.out).toMatch(/not bound to tiny_gpt \(layout loom\)/);
    expect(io.err).toMatch(
      /error\[E0505\]: missing weights: the file holds none of the 36 weights/,
    );
    expect(io.err).toMatch(/written for the model `tiny_llama`, not `tiny_gpt`/);
    expect(io.err).toMatch(new RegExp(`--> ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:1`));
    expectNoStack(io);
  });

  it("a corrupt file is exit 1 with E0501, a missing one exit 2 with E0508, never a stack", () => {
    const d = dir();
    const corrupt = join(d, "corrupt.safetensors");
    writeFileSync(corrupt, craft("{oops"));
    let io = capture();
    expect(runWeightsInspect(corrupt, { json: false }, io)).toBe(1);
    expect(io.err).toMatch(/error\[E0501\]: the header is not JSON/);
    expectNoStack(io);

    io = capture();
    expect(runWeightsInspect(join(d, "missing.safetensors"), { json: false }, io)).toBe(2);
    expect(io.err).toMatch(
      /error\[E0508\]: cannot read weights file `.*missing.safetensors`: no such file or directory/,
    );

    io = capture();
    expect(runWeightsInspect(d, { json: false, spec: "specs/tiny-gpt.loom" }, io)).toBe(2);
    expect(io.err).toMatch(/E0508.*it is a directory/);
    expectNoStack(io);
  });

  it("a file with an impossible header length is reported, not read", () => {
    const path = join(dir(), "huge.safetensors");
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setUint32(4, 0xffffffff, true);
    writeFileSync(path, bytes);
    const io = capture();
    expect(runWeightsInspect(path, { json: true }, io)).toBe(1);
    expect(JSON.parse(io.out).diagnostics[0].code).toBe("E0501");
  });

  it("reads a Hugging Face layout named on the command line, and refuses an unknown one", () => {
    const path = join(dir(), "w.safetensors");
    writeFileSync(path, writeSafetensors(initWeights(specIr("specs/tiny-gpt.loom"), 1)));
    let io = capture();
    expect(
      runWeightsInspect(path, { json: false, spec: "specs/tiny-gpt.loom", layout: "hf-gpt2" }, io),
    ).toBe(1);
    expect(io.err).toMatch(/layout hf-gpt2 \(given\)/);
    io = capture();
    expect(runWeightsInspect(path, { json: false, layout: "hf-opt" as "loom" }, io)).toBe(2);
    expect(io.err).toMatch(/--layout must be auto or one of loom, torch, hf-gpt2/);
  });
});
