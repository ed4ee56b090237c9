/** `loom compile` (with a fake lowering) and `loom inspect`: files, exit statuses, output. */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCompile, type CompileOptions } from "../../src/cli/compile.ts";
import { runInspect } from "../../src/cli/inspect.ts";
import { runWeightsInit } from "../../src/cli/weights.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import { COPY_WGSL, capture, fakeLower, miniSpecFile, MINI_SPEC, tempDir } from "./helpers.ts";

/** No output looks like a JavaScript stack trace. */
function expectNoStack(io: { out: string; err: string }) {
  expect(io.out + io.err).not.toMatch(/\n\s+at .*\(|internal error/);
}

function compile(opts: Partial<CompileOptions> = {}, lower = fakeLower(), spec = miniSpecFile()) {
  const out = opts.out ?? join(dirname(spec), "mini.bundle");
  const io = capture();
  const status = runCompile(spec, { force: false, ...opts, out }, io, lower);
  expectNoStack(io);
  return { status, io, out, spec };
}

describe("loom compile", () => {
  it("writes a bundle and prints a summary", () => {
    const { status, io, out, spec } = compile();
    expect(io.err).toBe("");
    expect(status).toBe(0);
    const size = (f: string) => readFileSync(join(out, f)).length;
    const total = ["manifest.json", "weights.safetensors", "kernels/copy.wgsl"].reduce(
      (n, f) => n + size(f),
      0,
    );
    expect(io.out).toBe(
      [
        `compiled mini (${spec}) for device profile webgpu-default`,
        `  kernels:    1 (WGSL in ${out}/kernels/)`,
        "  dispatches: 1 per step",
        "  buffers:    2 (1 weights), 1,024 bytes at the bounds (batch = 1, seq = 8)",
        `  weights:    9 tensors, 440 parameters, ${size("weights.safetensors").toLocaleString("en-US")} bytes in weights.safetensors (f32, seed 0)`,
        `wrote ${out}/: 3 files, ${total.toLocaleString("en-US")} bytes`,
        "",
      ].join("\n"),
    );
    const { bundle, diagnostics } = readBundle(out);
    expect(diagnostics).toEqual([]);
    expect(bundle!.manifest.source.text).toBe(MINI_SPEC);
    expect(bundle!.manifest.createdBy).toBe(
      `loom 0.1.0: compile ${spec} --device-profile webgpu-default --init-seed 0`,
    );
    expect(bundle!.plan.kernels[0]!.wgsl).toBe(COPY_WGSL);
  });

  it("binds a weights file instead of seeding", () => {
    const dir = tempDir();
    const spec = join(dir, "mini.loom");
    writeFileSync(spec, MINI_SPEC);
    const weights = join(dir, "w.safetensors");
    expect(
      runWeightsInit(spec, { seed: 3, out: weights, dtype: "f32", force: false }, capture()),
    ).toBe(0);
    const { status, io, out } = compile({ weights }, fakeLower(), spec);
    expect(status).toBe(0);
    expect(io.out).toContain(`(f32, from ${weights}, layout loom)`);
    const fromFile = readBundle(out).bundle!.weights;
    const seeded = compile({ initSeed: 3, out: join(dir, "seeded") }, fakeLower(), spec);
    expect(readBundle(seeded.out).bundle!.weights).toEqual(fromFile);
  });

  it("records includes", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "blocks.loom"),
      "block ff(x, d) {\n  return mlp(layernorm(x), 2 * d, act = gelu_tanh)\n}\n",
    );
    const spec = join(dir, "mini.loom");
    writeFileSync(spec, `include "blocks.loom"\n${MINI_SPEC}`);
    const { status, io, out } = compile({}, fakeLower(), spec);
    expect(io.err).toBe("");
    expect(status).toBe(0);
    expect(readBundle(out).manifest!.source.includes.map((f) => f.file)).toEqual([
      join(dir, "blocks.loom"),
    ]);
  });

  it("exit 1 on spec errors, with the spec's diagnostics", () => {
    const { status, io, out } = compile(
      {},
      fakeLower(),
      miniSpecFile(MINI_SPEC.replace("2 * d", "2 * dd")),
    );
    expect(status).toBe(1);
    expect(io.err).toMatch(/error\[E02\d\d\]/);
    expect(existsSync(out)).toBe(false);
  });

  it("exit 1 when the plan exceeds the device profile, quoting the spec line", () => {
    const { status, io, out } = compile(
      {},
      fakeLower((p) => (p.kernels[0]!.workgroupStorageBytes = 32768)),
    );
    expect(status).toBe(1);
    expect(io.err).toContain(
      "error[E0601]: kernel `copy` declares 32,768 bytes of workgroup storage, more than maxComputeWorkgroupStorageSize = 16,384 of device profile `webgpu-default`",
    );
    expect(io.err).toContain("x = embed(tokens, vocab, d) as wte");
    expect(io.err).toContain("^");
    expect(io.err).toContain("`--device-profile swiftshader` allows it");
    expect(existsSync(out)).toBe(false);
  });

  it("compiles the same plan for a profile that allows it", () => {
    const { status } = compile(
      { deviceProfile: "swiftshader" },
      fakeLower((p) => (p.kernels[0]!.workgroupStorageBytes = 32768)),
    );
    expect(status).toBe(0);
  });

  it("exit 1 when the lowering reports errors or returns no plan", () => {
    const failing = () => ({
      diagnostics: [
        {
          code: "E0601",
          severity: "error" as const,
          message: "no kernel for this op",
          span: { file: "x", start: 0, end: 0 },
          notes: [],
        },
      ],
    });
    expect(compile({}, failing).status).toBe(1);
    const empty = compile({}, () => ({ diagnostics: [] }));
    expect(empty.status).toBe(1);
    expect(empty.io.err).toContain("the lowering produced no kernel plan");
  });

  it("exit 2 for an unknown device profile, a missing spec, a bad seed", () => {
    const profile = compile({ deviceProfile: "h100" });
    expect(profile.status).toBe(2);
    expect(profile.io.err).toContain("error[E0604]: unknown device profile `h100`");
    const missing = compile({}, fakeLower(), join(tempDir(), "none.loom"));
    expect(missing.status).toBe(2);
    expect(compile({ initSeed: -1 }).status).toBe(2);
  });

  it("refuses to overwrite without --force, replaces with it", () => {
    const first = compile();
    const again = compile({ out: first.out }, fakeLower(), first.spec);
    expect(again.status).toBe(2);
    expect(again.io.err).toContain(`error[E0615]: \`${first.out}\` already exists`);
    const forced = compile({ out: first.out, force: true }, fakeLower(), first.spec);
    expect(forced.status).toBe(0);
    expect(readdirSync(dirname(first.out)).sort()).toEqual(["mini.bundle", "mini.loom"]);
  });
});

describe("loom inspect", () => {
  it("prints the bundle's facts and verifies it", () => {
    const { out, spec } = compile();
    const io = capture();
    expect(runInspect(out, { json: false }, io)).toBe(0);
    expect(io.err).toBe("");
    const m = readBundle(out).manifest!;
    expect(io.out).toBe(
      [
        `bundle ${out}: loom-bundle format 3, written by Loom 0.1.0`,
        `  created by: loom 0.1.0: compile ${spec} --device-profile webgpu-default --init-seed 0`,
        "model: mini",
        `source: ${spec}, sha256 ${m.source.sha256}`,
        "device profile: webgpu-default",
        "tokenizer: none",
        "runtime sizes: batch batch, step seq, encoder none; largest batch = 1, seq = 8",
        "requirements (at the largest sizes):",
        "  features: none",
        "  limit                              needs",
        "  maxComputeWorkgroupStorageSize         0",
        "  maxComputeInvocationsPerWorkgroup     64",
        "  maxComputeWorkgroupSizeX              64",
        "  maxComputeWorkgroupSizeY               1",
        "  maxComputeWorkgroupSizeZ               1",
        "  maxStorageBuffersPerShaderStage        2",
        "  maxUniformBuffersPerShaderStage        1",
        "  maxStorageBufferBindingSize          512",
        "  maxBufferSize                        512",
        "  maxComputeWorkgroupsPerDimension       1",
        "kernels (1):",
        "  name  entry  workgroup  storage B  bindings       dispatch                   steps  wgsl",
        "  copy  main   64×1×1             0  2 + 1 uniform  ceil((rows) / 64) × 1 × 1      1  kernels/copy.wgsl",
        "buffers (2, 1,024 bytes allocated at the bounds):",
        "  id  name        kind    dtype  elements          max elements  bytes  slot  lifetime",
        "   0  wte.weight  weight  f32    128                        128    512  -     -",
        "   1  logits      output  f32    batch * seq * 16           128    512  0     0–0",
        "steps: 1 (dispatches: 1 per step)",
        `weights: weights.safetensors, 9 tensors, F32, layout loom, ${m.weights.bytes.toLocaleString("en-US")} bytes, sha256 ${m.weights.sha256}`,
        "verified: manifest valid, 1 WGSL files and the weights match their hashes, 9 weights bound to the IR",
        "",
      ].join("\n"),
    );
  });

  it("--json gives the facts as one object", () => {
    const { out } = compile();
    const io = capture();
    expect(runInspect(out, { json: true }, io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json).toMatchObject({
      bundle: out,
      valid: true,
      formatVersion: 3,
      model: "mini",
      kernels: [{ name: "copy", workgroupSize: [64, 1, 1], workgroupStorageBytes: 0, steps: 1 }],
      allocatedBytes: 1024,
      steps: { total: 1, step: 1, encoder: 0 },
      weights: { tensors: 9, dtype: "F32" },
      diagnostics: [],
    });
    expect(json.buffers[1]).toMatchObject({ name: "logits", bytes: 512, slot: 0 });
  });

  it("exit 1 with the diagnostic naming the corrupt file", () => {
    const { out } = compile();
    writeFileSync(join(out, "kernels/copy.wgsl"), "// tampered\n");
    const io = capture();
    expect(runInspect(out, { json: false }, io)).toBe(1);
    expectNoStack(io);
    expect(io.out).toContain("model: mini");
    expect(io.out).toContain(`not valid: ${out} is not a usable bundle`);
    expect(io.err).toContain(
      "error[E0613]: kernels/copy.wgsl (the WGSL of kernel `copy`) is corrupted",
    );
    const json = capture();
    expect(runInspect(out, { json: true }, json)).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ valid: false, diagnostics: [{ code: "E0613" }] });
  });

  it("exit 1 for a directory with no manifest, 2 for no directory", () => {
    const dir = tempDir();
    const io = capture();
    expect(runInspect(dir, { json: false }, io)).toBe(1);
    expect(io.err).toContain("error[E0610]");
    const none = join(dir, "none");
    const missing = capture();
    expect(runInspect(none, { json: false }, missing)).toBe(2);
    expect(missing.err).toBe(
      `error: \`${none}\` is not a directory; give a bundle directory written by \`loom compile\`\n`,
    );
    rmSync(dir, { recursive: true });
  });
});
