import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { encodeNpy } from "../../src/api/npy.ts";
import { runLoom } from "./run-loom.ts";

const loom = runLoom;

const dir = mkdtempSync(join(tmpdir(), "loom-cli-"));

describe("loom run", () => {
  it("prints the next-token distribution of an LM", async () => {
    const r = await loom("run", "specs/tiny-gpt.loom", "--tokens", "1,2,3");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("logits: [1, 3, 256]");
    expect(r.stdout).toContain("next token after the last position, top 5");
  });

  it("writes every output as JSON, and the same logits twice for the same seed", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    expect(
      (await loom("run", "specs/tiny-gpt.loom", "--tokens", "5,6", "--init-seed", "4", "-o", a))
        .code,
    ).toBe(0);
    expect(
      (await loom("run", "specs/tiny-gpt.loom", "--tokens", "5,6", "--init-seed", "4", "-o", b))
        .code,
    ).toBe(0);
    const parsed = JSON.parse(readFileSync(a, "utf8"));
    expect(parsed.outputs.logits.shape).toEqual([1, 2, 256]);
    expect(parsed.outputs.logits.data).toHaveLength(512);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
  });

  it("reads inputs from JSON files and names a missing one", async () => {
    const r = await loom("run", "specs/tiny-vit.loom");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--input");
    const image = join(dir, "image.json");
    writeFileSync(image, JSON.stringify({ shape: [1, 1, 28, 28], data: new Array(784).fill(0.5) }));
    const ok = await loom(
      "run",
      "specs/tiny-vit.loom",
      "--backend",
      "cpu",
      "--input",
      `pixels=${image}`,
    );
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("class probabilities");
  });

  it("refuses a sequence above its bound, text without a tokenizer, and bad token lists", async () => {
    const long = Array.from({ length: 65 }, () => "1").join(",");
    expect((await loom("run", "specs/tiny-gpt.loom", "--tokens", long)).stderr).toContain(
      "above its bound seq <= 64",
    );
    expect((await loom("run", "specs/tiny-gpt.loom", "--text", "hi")).stderr).toContain(
      "names no tokenizer",
    );
    expect((await loom("run", "specs/tiny-gpt.loom", "--tokens", "1,x")).code).toBe(2);
    expect((await loom("run", "specs/tiny-gpt.loom", "--tokens", "999")).stderr).toContain(
      "outside the vocabulary",
    );
  });

  it("reports a missing or corrupt weights file with a code, never a crash", async () => {
    const missing = await loom(
      "run",
      "specs/tiny-gpt.loom",
      "--weights",
      join(dir, "nope.safetensors"),
      "--tokens",
      "1",
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("E0508");
    const corrupt = join(dir, "corrupt.safetensors");
    writeFileSync(corrupt, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    const bad = await loom("run", "specs/tiny-gpt.loom", "--weights", corrupt, "--tokens", "1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("E0501");
  });

  it("writes .npy files NumPy can read: magic, version 1.0, a 64-byte aligned header, float32 data", () => {
    const bytes = encodeNpy({ shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) });
    expect(Array.from(bytes.slice(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8]! + 256 * bytes[9]!;
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.slice(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    const values = new Float32Array(bytes.slice(10 + headerLength).buffer);
    expect(Array.from(values)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("loom run on WebGPU", () => {
  it("gives the CPU reference's logits within 1e-4", async () => {
    const gpu = join(dir, "gpu.json");
    const cpu = join(dir, "cpu.json");
    expect((await loom("run", "specs/tiny-gpt.loom", "--tokens", "5,6,7", "-o", gpu)).code).toBe(0);
    expect(
      (await loom("run", "specs/tiny-gpt.loom", "--tokens", "5,6,7", "--backend", "cpu", "-o", cpu))
        .code,
    ).toBe(0);
    const a = JSON.parse(readFileSync(gpu, "utf8")).outputs.logits.data as number[];
    const b = JSON.parse(readFileSync(cpu, "utf8")).outputs.logits.data as number[];
    expect(a).toHaveLength(b.length);
    const error = Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.max(1, Math.abs(b[i]!))));
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it("compiles a bundle, inspects it, and generates the CPU reference's greedy tokens from it", async () => {
    const bundle = join(dir, "bundle");
    expect(
      (await loom("compile", "specs/tiny-llama.loom", "--init-seed", "2", "-o", bundle)).code,
    ).toBe(0);
    expect((await loom("inspect", bundle)).code).toBe(0);
    const fromBundle = await loom("generate", bundle, "--tokens", "1,2,3", "--max-tokens", "6");
    const reference = await loom(
      "generate",
      "specs/tiny-llama.loom",
      "--init-seed",
      "2",
      "--backend",
      "cpu",
      "--tokens",
      "1,2,3",
      "--max-tokens",
      "6",
    );
    expect(fromBundle.code).toBe(0);
    expect(fromBundle.stdout).toBe(reference.stdout);
  });

  it("runs a bundle compiled for the other kind of adapter with kernels lowered for this one, and says so", async () => {
    const { kind } = await acquireNodeDevice();
    const generated = /lowered again for this adapter/;
    const reference = await loom(
      "generate",
      ..."specs/tiny-gpt.loom --init-seed 4 --backend cpu --tokens 1,2 --max-tokens 5".split(" "),
    );
    for (const profile of ["webgpu-default", "swiftshader"]) {
      const bundle = join(dir, `bundle-${profile}`);
      const compiled = await loom(
        ..."compile specs/tiny-gpt.loom --init-seed 4 --device-profile".split(" "),
        profile,
        "-o",
        bundle,
      );
      expect(compiled.code).toBe(0);
      const run = await loom("generate", bundle, "--tokens", "1,2", "--max-tokens", "5");
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(reference.stdout);
      const matches = (profile === "swiftshader") === (kind === "cpu");
      if (matches) expect(run.stderr).not.toMatch(generated);
      else expect(run.stderr).toMatch(generated);
    }
  });
});

describe("loom generate", () => {
  it("prints token ids for a model without a tokenizer, deterministically", async () => {
    const a = await loom(
      "generate",
      "specs/tiny-llama.loom",
      "--tokens",
      "1,2,3",
      "--max-tokens",
      "6",
    );
    const b = await loom(
      "generate",
      "specs/tiny-llama.loom",
      "--tokens",
      "1,2,3",
      "--max-tokens",
      "6",
      "--verbose",
    );
    expect(a.code).toBe(0);
    expect(a.stdout.trim().split(",")).toHaveLength(6);
    expect(a.stdout).toBe(b.stdout);
    // --verbose adds the timeline on stderr, one line a phase in order, and changes nothing else.
    expect(a.stderr).not.toContain("time:");
    const phases = [...b.stderr.matchAll(/^time: (\S+(?: token)?) +\d+(?:\.\d+)? m?s/gm)].map(
      (m) => m[1],
    );
    expect(phases).toEqual([
      "start",
      "load",
      "adapter",
      "weights",
      "pipelines",
      "first token",
      "decode",
      "total",
    ]);
    expect(b.stderr).toMatch(/^time: first token +.*the prompt's 3 tokens$/m);
    expect(b.stderr).toMatch(/^time: decode +.*5 more tokens$/m);
  });

  it("samples reproducibly with a seed", async () => {
    const args = [
      "generate",
      "specs/tiny-llama.loom",
      "--tokens",
      "1",
      "--max-tokens",
      "12",
      "--temperature",
      "1.5",
      "--top-p",
      "0.9",
    ];
    const a = await loom(...args, "--seed", "1");
    expect(a.code).toBe(0);
    expect((await loom(...args, "--seed", "1")).stdout).toBe(a.stdout);
  });

  it("rejects bad sampling options and models that cannot generate", async () => {
    expect(
      (await loom("generate", "specs/tiny-gpt.loom", "--tokens", "1", "--top-p", "0")).code,
    ).toBe(2);
    expect(
      (await loom("generate", "specs/tiny-gpt.loom", "--tokens", "1", "--temperature", "-1")).code,
    ).toBe(2);
    const bert = await loom("generate", "specs/tiny-bert.loom", "--tokens", "1");
    expect(bert.code).toBe(1);
    expect(bert.stderr).toContain("cannot generate");
    const t5 = await loom("generate", "specs/tiny-t5.loom", "--tokens", "1");
    expect(t5.code).toBe(2);
    expect(t5.stderr).toContain("--source");
  });
});
