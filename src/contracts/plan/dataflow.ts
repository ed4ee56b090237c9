import type { KernelPlan } from "./schema.ts";

type PlanStep = KernelPlan["steps"][number];

/** One forward call as the runtime makes it: prefill or decode, and what it reads back. */
export interface Forward {
  decoding: boolean;
  readback: "outputs" | "next-token" | "top-k";
}

/** A step that reads a buffer whose storage does not hold that buffer's data at that point. */
export interface StaleRead {
  step: number;
  buffer: number;
  /** The forward calls of the sequence up to and including the failing one. */
  calls: Forward[];
  /** The buffer whose write last reached that storage, and the step that wrote it; none if never. */
  clobberedBy?: { buffer: number; step: number };
}

/** The storage a buffer lives in: its slot when it shares one, else its own. */
export function storageOf(buffer: KernelPlan["buffers"][number]): string {
  return buffer.slot !== undefined ? `slot ${buffer.slot}` : `buffer ${buffer.id}`;
}

/**
 * The sequences of forward calls whose data flow is checked: one prefill (a model that does not
 * generate); for a generating model, a prefill then decode steps, and a prefill after decoding,
 * for each kind of readback (the heads run only when read back).
 */
export function forwardSequences(plan: KernelPlan): Forward[][] {
  if (plan.sizes.step === null) return [[{ decoding: false, readback: "outputs" }]];
  return (["outputs", "next-token", "top-k"] as const).map((readback) => [
    { decoding: false, readback },
    { decoding: true, readback },
    { decoding: true, readback },
    { decoding: false, readback },
  ]);
}

/** Whether the runtime dispatches a step in a forward call (webgpu/session.ts's rules). */
function runs(step: PlanStep, call: Forward, encoderDone: boolean): boolean {
  if (step.phase === "encoder" && encoderDone) return false;
  if (step.when === "decode" && !call.decoding) return false;
  if (step.when === "prefill" && call.decoding) return false;
  return step.readback === undefined || step.readback === call.readback;
}

/**
 * Runs the plan's steps symbolically over a sequence of forward calls, tracking which buffer's
 * data each storage holds: weights and constants from the start, inputs from the start of every
 * call, anything else from the step that last bound it read_write. A `read` binding whose storage
 * holds another buffer's data (or none) is a stale read; so is an output not written by the end
 * of a call that reads outputs back. Storage persists across calls, as on the device (KV caches,
 * the encoder's results, which later calls do not recompute).
 */
export function staleReads(plan: KernelPlan, calls: Forward[]): StaleRead[] {
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  const buffers = new Map(plan.buffers.map((b) => [b.id, b]));
  const holds = new Map<string, { buffer: number; step: number }>();
  const found: StaleRead[] = [];
  const check = (buffer: number, step: number, call: number) => {
    const b = buffers.get(buffer);
    if (!b || b.kind === "weight" || b.kind === "constant" || b.kind === "input") return;
    const held = holds.get(storageOf(b));
    if (held?.buffer === buffer) return;
    found.push({
      step,
      buffer,
      calls: calls.slice(0, call + 1),
      ...(held ? { clobberedBy: held } : {}),
    });
  };
  let encoderDone = false;
  calls.forEach((call, c) => {
    plan.steps.forEach((step, i) => {
      const kernel = kernels.get(step.kernel);
      if (!kernel || !runs(step, call, encoderDone)) return;
      const storage = kernel.bindings.filter((b) => b.access !== "uniform");
      step.buffers.forEach((id, j) => {
        if (storage[j]?.access === "read") check(id, i, c);
      });
      step.buffers.forEach((id, j) => {
        const b = buffers.get(id);
        if (b && storage[j]?.access === "read_write")
          holds.set(storageOf(b), { buffer: id, step: i });
      });
    });
    if (call.readback === "outputs")
      for (const b of plan.buffers) if (b.kind === "output") check(b.id, plan.steps.length, c);
    encoderDone = true;
  });
  return found;
}
