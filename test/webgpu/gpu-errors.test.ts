/**
 * No GPU error is swallowed. Plans broken on purpose and handed straight to the runtime (past the
 * plan verifier, which would stop them), and a device lost under a loaded model, make runModel,
 * generateText and openOnDevice reject with a LoomError carrying the GPU diagnostic (E08xx) that
 * names the step or kernel; `loom run` on a bundle with a broken kernel exits 1 with the rendered
 * diagnostic and prints no output. The sound plan on the same device is the control: it runs and
 * matches the CPU reference executor.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSpec, writeCompiledBundle } from "../../src/api/compile.ts";
import { openOnDevice, planForAdapter, WebGpuModel } from "../../src/api/device.ts";
import { LoomError } from "../../src/api/errors.ts";
import { generateText } from "../../src/api/generate.ts";
import { assembleInputs } from "../../src/api/inputs.ts";
import { loadModel, type LoadedModel } from "../../src/api/model.ts";
import { runModel } from "../../src/api/run.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import { acquireNodeDevice, type AcquiredDevice } from "../../src/runtime/webgpu/device.ts";
import { aliasWrittenBuffer, breakWgsl, profileFor, TINY_SPEC } from "./broken-plans.ts";

let dir: string;
let spec: string;
let acquired: AcquiredDevice;
let model: LoadedModel;
let plan: KernelPlan;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loom-gpu-errors-"));
  spec = join(dir, "tiny-errors.loom");
  writeFileSync(spec, TINY_SPEC);
  model = loadModel(spec, { initSeed: 1 });
  acquired = await acquireNodeDevice();
  plan = planForAdapter(model, acquired);
}, 60_000);
afterAll(() => {
  acquired?.device.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const tokens = () => assembleInputs(model.ir, {}, { input: "tokens", ids: [1, 2, 3] });

/** What a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<LoomError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(LoomError);
  return outcome as LoomError;
}

async function drain(stream: AsyncGenerator<unknown>): Promise<void> {
  for await (const _ of stream);
}

/** The diagnostic a GPU error carries, checked to be the one coded `code`. */
function diagnosticOf(error: LoomError, code: string) {
  expect(error.code).toBe(code);
  expect(error.diagnostics.map((d) => d.code)).toEqual([code]);
  return error.diagnostics[0]!;
}

describe("GPU errors reach the caller", () => {
  it("the sound plan runs on this device and matches the CPU reference (the control)", async () => {
    const gpu = await WebGpuModel.load(acquired.device, model.ir, plan, model.weights);
    const logits = (await runModel(model, tokens(), { device: gpu }))["logits"]!;
    const reference = (await runModel(model, tokens()))["logits"]!;
    gpu.destroy();
    expect(logits.shape).toEqual([1, 3, 16]);
    const worst = Math.max(...logits.data.map((v, i) => Math.abs(v - reference.data[i]!)));
    expect(worst).toBeLessThan(1e-3);
  });

  it("a dispatch that binds its written buffer twice rejects runModel and generateText with E0801 naming the step", async () => {
    const broken = aliasWrittenBuffer(plan);
    // The verifier would stop this plan (E0702); the runtime is handed it directly.
    expect(verifyPlan(broken.plan).map((d) => d.code)).toContain("E0702");
    const gpu = await WebGpuModel.load(acquired.device, model.ir, broken.plan, model.weights);

    const run = await rejection(runModel(model, tokens(), { device: gpu }));
    const diagnostic = diagnosticOf(run, "E0801");
    expect(diagnostic.message).toContain(
      `running step ${broken.step} (kernel \`${broken.kernel}\``,
    );
    expect(diagnostic.message).toMatch(/validation error\): .*usage/);
    expect(diagnostic.hint).toMatch(/--backend cpu/);

    const generated = await rejection(
      drain(generateText(model, { prompt: [1, 2, 3], maxTokens: 2, device: gpu })),
    );
    expect(diagnosticOf(generated, "E0801").message).toContain(`step ${broken.step} `);
    gpu.destroy();
  });

  it("a kernel whose WGSL does not compile rejects openOnDevice with E0805 at its line", async () => {
    const broken = breakWgsl(plan);
    const bundle: LoadedModel = {
      ...model,
      plan: broken.plan,
      planProfile: profileFor(acquired.kind),
    };
    const error = await rejection(openOnDevice(bundle, { device: acquired }));
    const diagnostic = diagnosticOf(error, "E0805");
    expect(diagnostic.message).toContain(`kernel \`${broken.kernel}\` does not compile`);
    expect(diagnostic.message).toContain(`${broken.kernel}:${broken.line}:`);
  });

  it("an error outside Loom's error scopes (uncapturederror) rejects the next call, once", async () => {
    const gpu = await WebGpuModel.load(acquired.device, model.ir, plan, model.weights);
    // WebGPU allows MAP_READ only with COPY_DST: this buffer is an error, made outside any scope.
    acquired.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE,
    });
    const error = await rejection(runModel(model, tokens(), { device: gpu }));
    expect(diagnosticOf(error, "E0801").message).toMatch(
      /^work outside Loom's error scopes \(reported while running the forward pass\) failed on the GPU \(validation error\): .*MapRead/,
    );
    const logits = (await runModel(model, tokens(), { device: gpu }))["logits"]!;
    expect(logits.shape).toEqual([1, 3, 16]);
    gpu.destroy();
  });

  // Last: it destroys the device the other tests share.
  it("a device lost under a loaded model rejects every later call with E0804", async () => {
    const gpu = await openOnDevice(model, { device: acquired });
    acquired.device.destroy();
    const first = await rejection(runModel(model, tokens(), { device: gpu }));
    expect(diagnosticOf(first, "E0804").message).toMatch(/device was lost .*destroyed/);
    const again = await rejection(
      drain(generateText(model, { prompt: [1, 2], maxTokens: 2, device: gpu })),
    );
    diagnosticOf(again, "E0804");
  });
});

describe("`loom run` on a bundle with a kernel that does not compile", () => {
  it("exits 1 with the rendered E0805 and prints no output", () => {
    const compiled = compileSpec(spec, {
      initSeed: 1,
      deviceProfile: profileFor(acquired.kind),
    });
    const broken = breakWgsl(compiled.plan);
    const brokenDir = join(dir, "broken.bundle");
    writeCompiledBundle(
      { ...compiled, content: { ...compiled.content, plan: broken.plan } },
      brokenDir,
    );

    const run = spawnSync(process.execPath, ["bin/loom", "run", brokenDir, "--tokens", "1,2,3"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`error[E0805]: the WGSL of kernel \`${broken.kernel}\``);
    expect(run.stderr).toMatch(/= hint: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
