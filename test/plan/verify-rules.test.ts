/**
 * Each rule of the plan verifier can fail: a valid plan, hand-corrupted in one way, gets the
 * specific code, with a message naming the step, kernel and buffer, and a hint that it is a
 * compiler bug. The uncorrupted plan verifies clean (test/plan/verify-specs.test.ts covers all).
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { BUILTIN_PROFILES } from "../../src/contracts/device-profile/builtins.ts";
import { profileLimits } from "../../src/contracts/device-profile/schema.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";

const LIMITS = profileLimits(BUILTIN_PROFILES["webgpu-default"]!);

function planOf(spec: string): KernelPlan {
  const ir = checkSpec(spec, (p) => readFileSync(p, "utf8")).models[0]!.ir!;
  return structuredClone(lowerToPlan(ir).plan!);
}

const codes = (plan: KernelPlan) => verifyPlan(plan, LIMITS).map((d) => d.code);

/** The storage bindings of a step, with the buffer each binds. */
function bindings(plan: KernelPlan, step: number) {
  const kernel = plan.kernels.find((k) => k.name === plan.steps[step]!.kernel)!;
  return kernel.bindings
    .filter((b) => b.access !== "uniform")
    .map((b, j) => ({ ...b, buffer: plan.steps[step]!.buffers[j]! }));
}

/** The first step with a read binding of an activation and a writable binding. */
function activationStep(plan: KernelPlan): number {
  return plan.steps.findIndex(
    (_, i) =>
      bindings(plan, i).some(
        (b) => b.access === "read" && plan.buffers[b.buffer]!.kind === "activation",
      ) && bindings(plan, i).some((b) => b.access === "read_write"),
  );
}

it("the tiny specs verify clean before corruption", () => {
  expect(codes(planOf("specs/tiny-gpt.loom"))).toEqual([]);
  expect(codes(planOf("specs/tiny-t5.loom"))).toEqual([]);
});

it("E0701: a step moved before the step writing what it reads", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  const i = activationStep(plan);
  plan.steps.unshift(plan.steps.splice(i, 1)[0]!);
  const found = verifyPlan(plan);
  expect(found.map((d) => d.code)).toContain("E0701");
  const d = found.find((f) => f.code === "E0701")!;
  expect(d.message).toMatch(
    /^internal compiler error: step 0 \(kernel `.+`, computing `.+`\) reads buffer \d+ `.+`/,
  );
  expect(d.hint).toContain("bug in Loom's compiler, not in your spec");
});

it("E0701: a buffer whose slot another buffer overwrote before the read", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  const i = activationStep(plan);
  const read = bindings(plan, i).find(
    (b) => b.access === "read" && plan.buffers[b.buffer]!.kind === "activation",
  )!;
  const writer = plan.steps.findIndex((_, s) =>
    bindings(plan, s).some((b) => b.buffer === read.buffer && b.access === "read_write"),
  );
  // A scratch buffer of the same slot written between the write and the read.
  const victim = plan.buffers[read.buffer]!;
  const clobber = plan.buffers.length;
  plan.buffers.push({ ...victim, id: clobber, name: "clobber", lifetime: [i, i] });
  const kernel = plan.steps[writer]!;
  plan.steps.splice(i, 0, {
    ...kernel,
    buffers: kernel.buffers.map((b) => (b === read.buffer ? clobber : b)),
  });
  const d = verifyPlan(plan).find((f) => f.code === "E0701");
  expect(d?.message).toContain("`clobber`");
  expect(d?.message).toContain("overwrote its storage first");
});

it("E0701: an encoder result in a slot a later step reuses, read again by the next call", () => {
  // tiny-t5's cross-attention K cache is written once by the encoder phase and read by every
  // call; a slot shared with a buffer used only after its last use passes the lifetime check,
  // but the next call (whose encoder steps do not run) reads what that buffer left there.
  const plan = planOf("specs/tiny-t5.loom");
  const cache = plan.buffers.find((b) => b.name.endsWith("cross_attention.k_cache"))!;
  const uses = plan.steps.flatMap((s, i) => (s.buffers.includes(cache.id) ? [i] : []));
  const later = plan.buffers.find(
    (b) =>
      b.slot !== undefined &&
      plan.steps.every((step, i) => !step.buffers.includes(b.id) || i > Math.max(...uses)),
  )!;
  // A slot of their own: the cache, and a buffer used only after the cache's last use.
  const fresh = Math.max(...plan.buffers.map((b) => b.slot ?? 0)) + 1;
  cache.slot = fresh;
  later.slot = fresh;
  const found = verifyPlan(plan);
  expect(found.map((d) => d.code)).toEqual(["E0701"]);
  expect(found[0]!.message).toContain("cross_attention.k_cache");
  expect(found[0]!.notes[0]).toMatch(/a prefill .*, then a decode step/);
});

it("E0702: a dispatch that binds its output as one of its inputs", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  const i = activationStep(plan);
  const out = bindings(plan, i).find((b) => b.access === "read_write")!;
  const j = bindings(plan, i).findIndex(
    (b) => b.access === "read" && plan.buffers[b.buffer]!.kind === "activation",
  );
  plan.steps[i]!.buffers[j] = out.buffer;
  expect(codes(plan)).toContain("E0702");
  expect(verifyPlan(plan).find((d) => d.code === "E0702")!.message).toContain("(read_write)");
});

it("E0703: two buffers live at the same step put in one slot", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  const i = activationStep(plan);
  const bound = bindings(plan, i).map((b) => plan.buffers[b.buffer]!);
  const [a, b] = bound.filter((x) => x.slot !== undefined);
  b!.slot = a!.slot;
  expect(codes(plan)).toContain("E0703");
});

it("E0703: a weight given a storage slot", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  plan.buffers.find((b) => b.kind === "weight")!.slot = 0;
  expect(verifyPlan(plan).find((d) => d.code === "E0703")!.message).toContain(
    "weight buffers must keep their own storage",
  );
});

it("E0704: a kernel with a workgroup over the limits", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  plan.kernels[0]!.workgroupSize = [1024, 1, 1];
  const d = verifyPlan(plan, LIMITS).find((f) => f.code === "E0704");
  expect(d?.message).toContain("maxComputeInvocationsPerWorkgroup");
  expect(verifyPlan(plan).map((f) => f.code)).not.toContain("E0704"); // no limits given
});

it("E0705: a step naming a kernel the plan lacks, or binding too few buffers", () => {
  const plan = planOf("specs/tiny-gpt.loom");
  plan.steps[0]!.kernel = "missing";
  plan.steps[1]!.buffers.pop();
  const found = verifyPlan(plan);
  expect(found.map((d) => d.code)).toEqual(["E0705", "E0705"]);
});
