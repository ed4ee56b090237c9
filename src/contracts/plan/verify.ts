/**
 * The kernel plan verifier: checks that a plan the lowering produced (or a bundle holds) is one
 * the runtime can execute correctly, independently of how it was built. Every finding is a
 * compiler bug, never the user's mistake, so each diagnostic names the step, kernel and buffer
 * and asks for a report. Rules:
 * - E0701: every buffer a step reads holds its own data then: it is a weight, a constant or an
 *   input, or an earlier step wrote it and no buffer sharing its storage slot wrote since
 *   (followed over the forward calls the runtime makes: prefill, decode steps, encoder steps run
 *   once); every output is written before it is read back.
 * - E0702: no dispatch binds one storage (a buffer, or buffers sharing a slot) writable and bound
 *   again, read or written, in another binding.
 * - E0703: buffers sharing a slot never live at the same step, each is used only inside the
 *   lifetime the plan records, and no weight, constant or input has a slot (they are uploaded
 *   once, or before the steps run, into storage of their own).
 * - E0704: every kernel, dispatch and buffer fits the device limits given (the profile the plan
 *   was compiled for, or the adapter's), checked by device-profile/check.ts.
 * - E0705: every step dispatches a kernel of the plan and binds buffers of the plan, one per
 *   storage binding (the other rules need this to hold, so they run only when it does).
 * - E0653: packed weights (f16, q8, q4) are bound only where a kernel unpacks that format
 *   (plan/weight-formats.ts).
 */
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { checkPlanAgainstProfile } from "../device-profile/check.ts";
import { planRequirements } from "../device-profile/requirements.ts";
import type { DeviceLimits } from "../device-profile/schema.ts";
import type { Span } from "../source.ts";
import { forwardSequences, staleReads, storageOf, type Forward } from "./dataflow.ts";
import type { KernelPlan } from "./schema.ts";
import { checkWeightFormats } from "./weight-formats.ts";

type PlanBuffer = KernelPlan["buffers"][number];

export interface VerifyOptions {
  /** The place diagnostics point at (the spec or the bundle's manifest). Default "<kernel plan>". */
  file?: string;
}

const REPORT =
  "this is a bug in Loom's compiler, not in your spec: please report it with the spec (the model still runs on the CPU reference with `--backend cpu`)";

/** Every way a kernel plan breaks the rules above, as diagnostics (E0701–E0705, E0653); empty if none. */
export function verifyPlan(
  plan: KernelPlan,
  limits?: DeviceLimits,
  options: VerifyOptions = {},
): Diagnostic[] {
  const bag = new DiagnosticBag();
  const span: Span = { file: options.file ?? "<kernel plan>", start: 0, end: 0 };
  const buffers = new Map(plan.buffers.map((b) => [b.id, b]));
  const name = (id: number) => {
    const b = buffers.get(id);
    return b
      ? `buffer ${id} \`${b.name}\` (${b.kind}${b.slot !== undefined ? `, slot ${b.slot}` : ""})`
      : `buffer ${id}`;
  };
  const at = (i: number) =>
    i >= plan.steps.length
      ? "the output readback"
      : `step ${i} (kernel \`${plan.steps[i]!.kernel}\`, computing ${plan.steps[i]!.nodes.map((n) => `\`${n}\``).join(", ")})`;
  const report = (
    code: "E0701" | "E0702" | "E0703" | "E0704" | "E0705" | "E0653",
    message: string,
    notes: string[] = [],
  ) => bag.report(code, span, `internal compiler error: ${message}`, { notes, hint: REPORT });

  if (!structure(plan, report, at)) return bag.items;
  checkWeightFormats(plan, (message) => report("E0653", message), at, name);

  const seen = new Set<string>();
  for (const calls of forwardSequences(plan)) {
    for (const stale of staleReads(plan, calls)) {
      const key = `${stale.step}:${stale.buffer}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const why = stale.clobberedBy
        ? `${name(stale.clobberedBy.buffer)}, written by ${at(stale.clobberedBy.step)}, overwrote its storage first`
        : "no earlier step writes it";
      report(
        "E0701",
        `${at(stale.step)} reads ${name(stale.buffer)} before it holds its data: ${why}`,
        [`forward calls: ${calls.slice(0, stale.calls.length).map(describeCall).join(", then ")}`],
      );
    }
  }

  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  plan.steps.forEach((step, i) => {
    const storage = kernels.get(step.kernel)!.bindings.filter((b) => b.access !== "uniform");
    const byStorage = new Map<string, number[]>();
    step.buffers.forEach((id, j) => {
      const key = storageOf(buffers.get(id)!);
      byStorage.set(key, [...(byStorage.get(key) ?? []), j]);
    });
    for (const bindings of byStorage.values()) {
      if (bindings.length < 2 || !bindings.some((j) => storage[j]!.access === "read_write"))
        continue;
      report(
        "E0702",
        `${at(i)} binds one storage in several bindings, one of them writable: ${bindings
          .map((j) => `\`${storage[j]!.name}\` (${storage[j]!.access}) = ${name(step.buffers[j]!)}`)
          .join(", ")}`,
        [
          "WebGPU refuses the dispatch (a usage conflict), and the kernel assumes they are distinct",
        ],
      );
    }
  });

  lifetimes(plan, (message, notes) => report("E0703", message, notes), name, at);

  if (limits) {
    const profile = { name: "declared", ...limits, features: planRequirements(plan).features };
    for (const d of checkPlanAgainstProfile(plan, profile))
      if (d.code === "E0601")
        report(
          "E0704",
          `the plan exceeds the device limits it was compiled for: ${d.message}`,
          d.notes,
        );
  }
  return bag.items;
}

function describeCall(call: Forward): string {
  return `${call.decoding ? "a decode step" : "a prefill"} reading back ${call.readback}`;
}

/** E0705: steps name kernels and buffers the plan has, one buffer per storage binding. */
function structure(
  plan: KernelPlan,
  report: (code: "E0705", message: string) => void,
  at: (i: number) => string,
): boolean {
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  const buffers = new Map(plan.buffers.map((b) => [b.id, b]));
  let ok = true;
  plan.steps.forEach((step, i) => {
    const kernel = kernels.get(step.kernel);
    if (!kernel) {
      ok = false;
      return report("E0705", `${at(i)} dispatches a kernel the plan does not have`);
    }
    const storage = kernel.bindings.filter((b) => b.access !== "uniform");
    if (storage.length !== step.buffers.length) {
      ok = false;
      report(
        "E0705",
        `${at(i)} binds ${step.buffers.length} buffers to ${storage.length} storage bindings`,
      );
    }
    for (const id of step.buffers.filter((id) => !buffers.has(id))) {
      ok = false;
      report("E0705", `${at(i)} binds buffer ${id}, which the plan does not have`);
    }
  });
  return ok;
}

/** E0703: slot sharing is sound: disjoint lifetimes, uses inside them, only shareable kinds. */
function lifetimes(
  plan: KernelPlan,
  report: (message: string, notes: string[]) => void,
  name: (id: number) => string,
  at: (i: number) => string,
): void {
  const used = new Map<number, [number, number]>();
  plan.steps.forEach((step, i) => {
    for (const id of step.buffers) used.set(id, [used.get(id)?.[0] ?? i, i]);
  });
  const bySlot = new Map<number, PlanBuffer[]>();
  for (const b of plan.buffers) {
    if (b.slot === undefined) continue;
    if (b.kind === "weight" || b.kind === "constant" || b.kind === "input")
      report(
        `${name(b.id)} shares a storage slot, but ${b.kind} buffers must keep their own storage`,
        [
          "the runtime uploads weights and constants only into storage of their own, and inputs are written before any step runs",
        ],
      );
    const life = used.get(b.id);
    if (life && b.lifetime && (life[0] < b.lifetime[0] || life[1] > b.lifetime[1]))
      report(
        `${name(b.id)} is used from step ${life[0]} to ${life[1]}, outside the lifetime [${b.lifetime.join(", ")}] the plan records`,
        [],
      );
    bySlot.set(b.slot, [...(bySlot.get(b.slot) ?? []), b]);
  }
  for (const sharing of bySlot.values()) {
    for (let x = 0; x < sharing.length; x++) {
      for (let y = x + 1; y < sharing.length; y++) {
        const [a, b] = [sharing[x]!, sharing[y]!];
        const [la, lb] = [used.get(a.id), used.get(b.id)];
        if (!la || !lb || la[1] < lb[0] || lb[1] < la[0]) continue;
        report(
          `${name(a.id)} and ${name(b.id)} share a storage slot but are both live at ${at(Math.max(la[0], lb[0]))}`,
          [`${a.name} is used by steps ${la.join("–")}, ${b.name} by steps ${lb.join("–")}`],
        );
      }
    }
  }
}
