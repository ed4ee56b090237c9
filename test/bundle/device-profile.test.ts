/** Device profiles: built-ins, loading by name or JSON file, and checking plans against limits. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_PROFILES } from "../../src/contracts/device-profile/builtins.ts";
import { checkPlanAgainstProfile, irSpans } from "../../src/contracts/device-profile/check.ts";
import { loadDeviceProfile, profileFromLimits } from "../../src/contracts/device-profile/load.ts";
import {
  dispatchCounts,
  planRequirements,
  wgslFeatures,
} from "../../src/contracts/device-profile/requirements.ts";
import {
  DeviceProfile,
  LIMIT_NAMES,
  type DeviceLimits,
} from "../../src/contracts/device-profile/schema.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { codes, expectWellFormed, fakePlan, irOf, MINI_SPEC, tempDir } from "./helpers.ts";

const webgpu = BUILTIN_PROFILES["webgpu-default"]!;
const ir = irOf(MINI_SPEC);

describe("built-in profiles", () => {
  it("are valid profiles named by their key", () => {
    for (const [name, profile] of Object.entries(BUILTIN_PROFILES)) {
      expect(DeviceProfile.parse(profile)).toEqual(profile);
      expect(profile.name).toBe(name);
    }
  });

  it("webgpu-default holds WebGPU's guaranteed limits", () => {
    expect(webgpu).toEqual({
      name: "webgpu-default",
      maxComputeWorkgroupStorageSize: 16384,
      maxComputeInvocationsPerWorkgroup: 256,
      maxComputeWorkgroupSizeX: 256,
      maxComputeWorkgroupSizeY: 256,
      maxComputeWorkgroupSizeZ: 64,
      maxStorageBuffersPerShaderStage: 8,
      maxUniformBuffersPerShaderStage: 12,
      maxStorageBufferBindingSize: 134217728,
      maxBufferSize: 268435456,
      maxComputeWorkgroupsPerDimension: 65535,
      features: [],
    });
  });

  it("every other profile allows at least the defaults (a device can only raise them)", () => {
    for (const profile of Object.values(BUILTIN_PROFILES))
      for (const limit of LIMIT_NAMES) expect(profile[limit]).toBeGreaterThanOrEqual(webgpu[limit]);
  });
});

describe("loadDeviceProfile", () => {
  it("finds a built-in by name", () => {
    expect(loadDeviceProfile("swiftshader")).toEqual({
      profile: BUILTIN_PROFILES["swiftshader"],
      diagnostics: [],
    });
  });

  it("refuses an unknown name with the closest built-in", () => {
    const { profile, diagnostics } = loadDeviceProfile("swiftshadr");
    expect(profile).toBeUndefined();
    expect(codes(diagnostics)).toEqual(["E0604"]);
    expect(diagnostics[0]!.message).toBe("unknown device profile `swiftshadr`");
    expect(diagnostics[0]!.hint).toMatch(
      /^did you mean `swiftshader`\? the built-in profiles are webgpu-default, swiftshader/,
    );
  });

  it("reads a JSON file", () => {
    const path = join(tempDir(), "laptop.json");
    const laptop = {
      ...webgpu,
      name: "laptop",
      maxComputeWorkgroupStorageSize: 32768,
      features: ["shader-f16"],
    };
    writeFileSync(path, JSON.stringify(laptop));
    expect(loadDeviceProfile(path)).toEqual({ profile: laptop, diagnostics: [] });
  });

  it("reports every problem of a JSON profile with its field", () => {
    const path = join(tempDir(), "bad.json");
    const { maxBufferSize: _omitted, ...rest } = webgpu;
    writeFileSync(
      path,
      JSON.stringify({
        ...rest,
        maxComputeWorkgroupSizeX: "256",
        maxStorageBufersPerShaderStage: 8,
        features: "shader-f16",
      }),
    );
    const { profile, diagnostics } = loadDeviceProfile(path);
    expect(profile).toBeUndefined();
    expectWellFormed(diagnostics);
    expect(diagnostics.map((d) => d.message).sort()).toEqual(
      [
        `device profile \`${path}\`: \`maxComputeWorkgroupSizeX\`: expected a number, found the string "256"`,
        `device profile \`${path}\`: \`maxBufferSize\`: expected a number, found nothing (the field is missing)`,
        `device profile \`${path}\`: \`features\`: expected an array, found the string "shader-f16"`,
        `device profile \`${path}\`: the top level has unknown key \`maxStorageBufersPerShaderStage\``,
      ].sort(),
    );
    const unknown = diagnostics.find((d) => d.message.includes("unknown key"))!;
    expect(unknown.hint).toContain(
      "`maxStorageBufersPerShaderStage` → `maxStorageBuffersPerShaderStage`",
    );
  });

  it("reports a missing file and a file that is not JSON", () => {
    const dir = tempDir();
    const missing = loadDeviceProfile(join(dir, "none.json"));
    expect(codes(missing.diagnostics)).toEqual(["E0604"]);
    expect(missing.diagnostics[0]!.message).toContain("no such file");
    const path = join(dir, "text.json");
    writeFileSync(path, "{ not json");
    const garbled = loadDeviceProfile(path);
    expect(codes(garbled.diagnostics)).toEqual(["E0604"]);
    expect(garbled.diagnostics[0]!.message).toContain("is not JSON");
  });

  it("profileFromLimits copies an adapter's limits and features", () => {
    const limits = {
      ...webgpu,
      maxComputeWorkgroupStorageSize: 49152,
      maxTextureDimension2D: 8192,
    };
    const profile = profileFromLimits("gpu", limits, new Set(["subgroups", "shader-f16"]));
    expect(DeviceProfile.parse(profile)).toEqual({
      ...webgpu,
      name: "gpu",
      maxComputeWorkgroupStorageSize: 49152,
      features: ["shader-f16", "subgroups"],
    });
  });
});

/** The fake plan with one edit, checked against webgpu-default at the bounds. */
function check(edit: (plan: KernelPlan) => void, profile: DeviceProfile = webgpu) {
  const plan = fakePlan(ir);
  edit(plan);
  return checkPlanAgainstProfile(plan, profile, { file: "mini.loom" });
}

describe("checkPlanAgainstProfile", () => {
  it("passes the fake plan", () => {
    expect(check(() => {})).toEqual([]);
  });

  const kernel = (plan: KernelPlan) => plan.kernels[0]!;
  /** webgpu-default with more invocations, so one axis can exceed its size limit alone. */
  const manyInvocations = {
    ...webgpu,
    name: "many-invocations",
    maxComputeInvocationsPerWorkgroup: 1024,
  };
  const cases: {
    limit: keyof DeviceLimits;
    value: string;
    edit: (plan: KernelPlan) => void;
    profile?: DeviceProfile;
  }[] = [
    {
      limit: "maxComputeWorkgroupStorageSize",
      value: "32,768",
      edit: (p) => (kernel(p).workgroupStorageBytes = 32768),
    },
    {
      limit: "maxComputeInvocationsPerWorkgroup",
      value: "512",
      edit: (p) => (kernel(p).workgroupSize = [16, 32, 1]),
    },
    {
      limit: "maxComputeWorkgroupSizeX",
      value: "512",
      edit: (p) => (kernel(p).workgroupSize = [512, 1, 1]),
      profile: manyInvocations,
    },
    {
      limit: "maxComputeWorkgroupSizeY",
      value: "257",
      edit: (p) => (kernel(p).workgroupSize = [1, 257, 1]),
      profile: manyInvocations,
    },
    {
      limit: "maxComputeWorkgroupSizeZ",
      value: "65",
      edit: (p) => (kernel(p).workgroupSize = [1, 1, 65]),
    },
    {
      limit: "maxStorageBuffersPerShaderStage",
      value: "9",
      edit: (p) => {
        for (let i = 0; i < 7; i++) kernel(p).bindings.push({ name: `extra${i}`, access: "read" });
        p.steps[0]!.buffers.push(...Array(7).fill(0));
      },
    },
    {
      limit: "maxUniformBuffersPerShaderStage",
      value: "13",
      edit: (p) => {
        for (let i = 0; i < 12; i++) kernel(p).bindings.push({ name: `u${i}`, access: "uniform" });
      },
    },
    {
      limit: "maxComputeWorkgroupsPerDimension",
      value: "65,536",
      edit: (p) => (kernel(p).dispatch = [1, 65536, 1]),
    },
    {
      limit: "maxComputeWorkgroupsPerDimension",
      value: "65,536",
      edit: (p) => (kernel(p).dispatch = [{ expr: "rows * 8192", divisor: 1 }, 1, 1]),
    },
  ];
  for (const c of cases)
    it(`reports a kernel over ${c.limit}`, () => {
      const profile = c.profile ?? webgpu;
      const diagnostics = check(c.edit, profile);
      expect(codes(diagnostics)).toEqual(["E0601"]);
      const d = diagnostics[0]!;
      expect(d.message).toMatch(
        new RegExp(
          `^kernel \`copy\` .*${c.value}.*, more than ${c.limit} = [\\d,]+ of device profile \`${profile.name}\`$`,
        ),
      );
      expect(d.span).toEqual({ file: "mini.loom", start: 0, end: 0 });
      expect(d.notes).toContain(
        `${c.limit} = ${profile[c.limit].toLocaleString("en-US")} of device profile \`${profile.name}\``,
      );
      expect(d.notes[0]).toBe(`it computes \`${ir.nodes[0]!.name}\` (step 0)`);
      expect(d.hint).toMatch(/--device-profile/);
    });

  it("names the built-in profiles that allow the value in the hint", () => {
    const [d] = check((p) => (kernel(p).workgroupStorageBytes = 20000));
    expect(d!.hint).toContain("`--device-profile swiftshader` allows it");
    const [e] = check((p) => (kernel(p).workgroupStorageBytes = 1 << 20));
    expect(e!.hint).not.toContain("allows it");
  });

  it("reports a buffer over maxStorageBufferBindingSize and maxBufferSize", () => {
    const diagnostics = check((p) => (p.buffers[1]!.maxElements = 100_000_000));
    expect(codes(diagnostics)).toEqual(["E0601", "E0601"]);
    expect(diagnostics[0]!.message).toBe(
      "buffer `logits` (output, 100,000,000 f32 elements at the bounds) binds 400,000,000 bytes, more than maxStorageBufferBindingSize = 134,217,728 of device profile `webgpu-default`",
    );
    expect(diagnostics[1]!.message).toContain(
      "needs 400,000,000 bytes, more than maxBufferSize = 268,435,456",
    );
    expect(check((p) => (p.buffers[1]!.maxElements = 40_000_000)).map((d) => d.message)).toEqual([
      expect.stringContaining("maxStorageBufferBindingSize"),
    ]);
  });

  it("reports a feature the WGSL enables that the profile lacks", () => {
    const diagnostics = check((p) => (kernel(p).wgsl = `enable f16;\n${kernel(p).wgsl}`));
    expect(codes(diagnostics)).toEqual(["E0602"]);
    expect(diagnostics[0]!.message).toBe(
      "kernel `copy` needs the device feature `shader-f16`, which device profile `webgpu-default` lacks",
    );
    const withF16 = { ...webgpu, name: "f16", features: ["shader-f16"] };
    expect(check((p) => (kernel(p).wgsl = `enable f16;\n${kernel(p).wgsl}`), withF16)).toEqual([]);
  });

  it("warns when a dispatch size cannot be evaluated", () => {
    const diagnostics = check((p) => (kernel(p).dispatch = [{ expr: "cols", divisor: 64 }, 1, 1]));
    expect(codes(diagnostics)).toEqual(["W0603"]);
    expect(diagnostics[0]!.message).toContain("ceil((cols) / 64)");
    expect(diagnostics[0]!.notes).toContain(
      "runtime sizes at their largest: batch = 1, seq = 8; step 0 gives it rows = batch * seq",
    );
  });

  it("evaluates each step's sizes and reports a kernel's worst dispatch once", () => {
    const plan = fakePlan(ir);
    plan.kernels[0]!.dispatch = [{ expr: "rows", divisor: 1 }, 1, 1];
    const step = plan.steps[0]!;
    plan.steps.push(
      { ...step, sizes: { rows: "batch * seq * 10000" } },
      { ...step, sizes: { rows: "seq * 9000" } },
    );
    expect(dispatchCounts(plan, plan.sizes.max).filter((c) => c.axis === 0)).toEqual([
      { kernel: "copy", step: 0, axis: 0, count: 8 },
      { kernel: "copy", step: 1, axis: 0, count: 80000 },
      { kernel: "copy", step: 2, axis: 0, count: 72000 },
    ]);
    const diagnostics = checkPlanAgainstProfile(plan, webgpu);
    expect(codes(diagnostics)).toEqual(["E0601"]);
    expect(diagnostics[0]!.message).toBe(
      "kernel `copy` dispatches 80,000 workgroups along x at the largest runtime sizes (ceil((rows) / 1)), more than maxComputeWorkgroupsPerDimension = 65,535 of device profile `webgpu-default`",
    );
    expect(diagnostics[0]!.notes).toContain(
      "runtime sizes at their largest: batch = 1, seq = 8; step 1 gives it rows = batch * seq * 10000",
    );
    expect(checkPlanAgainstProfile(plan, webgpu, { sizes: { batch: 1, seq: 1 } })).toEqual([]);
  });

  it("reports every violation of every kernel in one pass", () => {
    const diagnostics = check((p) => {
      kernel(p).workgroupStorageBytes = 65536;
      kernel(p).workgroupSize = [1024, 1, 1];
      p.kernels.push({ ...kernel(p), name: "second", workgroupStorageBytes: 20000 });
    });
    expect(diagnostics.map((d) => d.message.split(",")[0])).toEqual([
      "kernel `copy` declares 65",
      "kernel `copy` has 1",
      "kernel `copy` has workgroup size x = 1024",
      "kernel `second` declares 20",
      "kernel `second` has 1",
      "kernel `second` has workgroup size x = 1024",
    ]);
    expect(diagnostics[3]!.notes[0]).toBe("no step dispatches this kernel");
  });

  it("irSpans places a kernel at the spec node its first step computes", () => {
    const plan = fakePlan(ir);
    plan.kernels[0]!.workgroupStorageBytes = 32768;
    const [d] = checkPlanAgainstProfile(plan, webgpu, { spanOf: irSpans(plan, ir) });
    const node = ir.nodes[0]!;
    expect(d!.span).toEqual({
      file: node.source.file,
      start: node.source.start,
      end: node.source.end,
    });
    expect(MINI_SPEC.slice(node.source.start, node.source.end)).toContain("embed(");
  });

  it("irSpans places an output buffer at its declaration and a weight at its node", () => {
    const plan = fakePlan(ir);
    const spans = irSpans(plan, ir);
    const output = spans({ kind: "buffer", buffer: 1 })!;
    expect(MINI_SPEC.slice(output.start, output.end)).toMatch(/logits/);
    const weight = spans({ kind: "buffer", buffer: 0 })!;
    expect(MINI_SPEC.slice(weight.start, weight.end)).toContain("embed(");
  });
});

describe("planRequirements", () => {
  it("takes the largest value of each limit over kernels and buffers", () => {
    const plan = fakePlan(ir);
    plan.kernels.push({
      ...plan.kernels[0]!,
      name: "wide",
      workgroupSize: [8, 8, 2],
      workgroupStorageBytes: 4096,
      wgsl: "enable f16, subgroups;\n",
    });
    const r = planRequirements(plan);
    expect(r.features).toEqual(["shader-f16", "subgroups"]);
    expect(r.limits).toEqual({
      maxComputeWorkgroupStorageSize: 4096,
      maxComputeInvocationsPerWorkgroup: 128,
      maxComputeWorkgroupSizeX: 64,
      maxComputeWorkgroupSizeY: 8,
      maxComputeWorkgroupSizeZ: 2,
      maxStorageBuffersPerShaderStage: 2,
      maxUniformBuffersPerShaderStage: 1,
      maxStorageBufferBindingSize: 512,
      maxBufferSize: 512,
      maxComputeWorkgroupsPerDimension: 1,
    });
  });

  it("reads WGSL enable directives", () => {
    expect(wgslFeatures("enable f16;\nenable subgroups , clip_distances;\nfn main() {}")).toEqual([
      "clip-distances",
      "shader-f16",
      "subgroups",
    ]);
    expect(wgslFeatures("// enable f16;\nfn f() {}")).toEqual([]);
  });
});
