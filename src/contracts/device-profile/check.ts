/**
 * Checking a kernel plan against a device profile at compile time, so a kernel that needs more
 * workgroup memory, invocations, bindings or buffer space than a device has is an error with a
 * place and a hint, not a pipeline-creation failure at run time. Violations are E0601 (limits)
 * and E0602 (features); a dispatch whose size cannot be evaluated is W0603.
 *
 * Spans: the plan does not know where in the spec a kernel comes from. `spanOf` maps a kernel or
 * buffer to a span (`irSpans(plan, ir)` finds the spec node a kernel's first step computes); without
 * it, or when it finds none, the span is `{ file: opts.file ?? "<kernel plan>", start: 0, end: 0 }`.
 */
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { TypedIr } from "../ir/schema.ts";
import type { KernelPlan } from "../plan/schema.ts";
import type { Span } from "../source.ts";
import { BUILTIN_PROFILES } from "./builtins.ts";
import { bindingCounts, bufferBytes, dispatchCounts, wgslFeatures } from "./requirements.ts";
import type { DeviceLimits, DeviceProfile } from "./schema.ts";

/** What a diagnostic of the check is about. */
export type PlanSubject = { kind: "kernel"; kernel: string } | { kind: "buffer"; buffer: number };

export interface ProfileCheckOptions {
  /** Runtime sizes for the dispatch counts. Default: their largest values, `plan.sizes.max`. */
  sizes?: Readonly<Record<string, number>>;
  /** Where a kernel or buffer comes from in the spec; undefined falls back to `file`. */
  spanOf?: (subject: PlanSubject) => Span | undefined;
  /** The file of the fallback span (the spec's path). Default "<kernel plan>". */
  file?: string;
}

type PlanKernel = KernelPlan["kernels"][number];

const AXES = ["x", "y", "z"] as const;
const SIZE_LIMITS = [
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
] as const;

/** Every way the plan exceeds the profile's limits or lacks its features, as diagnostics. */
export function checkPlanAgainstProfile(
  plan: KernelPlan,
  profile: DeviceProfile,
  opts: ProfileCheckOptions = {},
): Diagnostic[] {
  const bag = new DiagnosticBag();
  const sizes = opts.sizes ?? plan.sizes.max;
  const counts = dispatchCounts(plan, sizes);
  const fallback: Span = { file: opts.file ?? "<kernel plan>", start: 0, end: 0 };
  const spanOf = (subject: PlanSubject) => opts.spanOf?.(subject) ?? fallback;
  const of = `of device profile \`${profile.name}\``;

  const exceeds = (
    subject: PlanSubject,
    limit: keyof DeviceLimits,
    value: number,
    what: string,
    hint: string,
    notes: string[],
  ) => {
    if (value <= profile[limit]) return;
    const allowing = Object.values(BUILTIN_PROFILES)
      .filter((p) => p.name !== profile.name && value <= p[limit])
      .map((p) => `\`--device-profile ${p.name}\``);
    bag.report(
      "E0601",
      spanOf(subject),
      `${what}, more than ${limit} = ${groupDigits(profile[limit])} ${of}`,
      {
        label: `needs ${limit} ≥ ${groupDigits(value)}`,
        notes: [...notes, `${limit} = ${groupDigits(profile[limit])} ${of}`],
        hint: `${hint}, or compile for a device with a larger limit: ${
          allowing.length > 0 ? `${allowing.join(" or ")} allows it, ` : ""
        }or pass --device-profile a JSON profile of your adapter's limits`,
      },
    );
  };

  for (const kernel of plan.kernels) {
    const subject: PlanSubject = { kind: "kernel", kernel: kernel.name };
    const notes = kernelNotes(plan, kernel);
    const k = `kernel \`${kernel.name}\``;
    exceeds(
      subject,
      "maxComputeWorkgroupStorageSize",
      kernel.workgroupStorageBytes,
      `${k} declares ${groupDigits(kernel.workgroupStorageBytes)} bytes of workgroup storage`,
      "use a smaller tile for this kernel (its var<workgroup> arrays hold one tile)",
      notes,
    );
    const [x, y, z] = kernel.workgroupSize;
    exceeds(
      subject,
      "maxComputeInvocationsPerWorkgroup",
      x * y * z,
      `${k} has ${groupDigits(x * y * z)} invocations per workgroup (workgroup size ${x} × ${y} × ${z})`,
      "use a smaller workgroup",
      notes,
    );
    kernel.workgroupSize.forEach((size, axis) =>
      exceeds(
        subject,
        SIZE_LIMITS[axis]!,
        size,
        `${k} has workgroup size ${AXES[axis]} = ${size}`,
        "use a smaller workgroup along this axis",
        notes,
      ),
    );
    const { storage, uniform } = bindingCounts(kernel);
    exceeds(
      subject,
      "maxStorageBuffersPerShaderStage",
      storage,
      `${k} binds ${storage} storage buffers`,
      "fuse less into this kernel, or pack its read-only inputs into one buffer",
      notes,
    );
    exceeds(
      subject,
      "maxUniformBuffersPerShaderStage",
      uniform,
      `${k} binds ${uniform} uniform buffers`,
      "pass the kernel's parameters in one uniform",
      notes,
    );
    for (const axis of [0, 1, 2] as const) {
      const mine = counts.filter((c) => c.kernel === kernel.name && c.axis === axis);
      const unknown = mine.find((c) => "unknown" in c);
      const expr = kernel.dispatch[axis];
      const formula =
        typeof expr === "number" ? String(expr) : `ceil((${expr.expr}) / ${expr.divisor})`;
      const at = (step: number) =>
        `; step ${step} gives it ${formatSizes(plan.steps[step]!.sizes)}`;
      if (unknown && "unknown" in unknown) {
        bag.report(
          "W0603",
          spanOf(subject),
          `${k}: the workgroup count along ${AXES[axis]} (${formula}) cannot be evaluated at the largest runtime sizes, so it is not checked against maxComputeWorkgroupsPerDimension`,
          {
            notes: [
              ...notes,
              `runtime sizes at their largest: ${formatSizes(sizes)}${at(unknown.step)}`,
            ],
            hint: "every size a dispatch uses must be a runtime size or one of the step's sizes; the runtime checks this count when it dispatches",
          },
        );
        continue;
      }
      const worst = mine.reduce<(typeof mine)[number] | undefined>(
        (a, c) => ("count" in c && (!a || ("count" in a && c.count > a.count)) ? c : a),
        undefined,
      );
      if (!worst || !("count" in worst)) continue;
      exceeds(
        subject,
        "maxComputeWorkgroupsPerDimension",
        worst.count,
        `${k} dispatches ${groupDigits(worst.count)} workgroups along ${AXES[axis]} at the largest runtime sizes (${formula})`,
        "give each workgroup more work (a larger tile), or lower the bound of the runtime size",
        [...notes, `runtime sizes at their largest: ${formatSizes(sizes)}${at(worst.step)}`],
      );
    }
    const missing = wgslFeatures(kernel.wgsl).filter((f) => !profile.features.includes(f));
    for (const feature of missing) {
      const having = Object.values(BUILTIN_PROFILES)
        .filter((p) => p.features.includes(feature))
        .map((p) => `\`--device-profile ${p.name}\``);
      bag.report(
        "E0602",
        spanOf(subject),
        `${k} needs the device feature \`${feature}\`, which device profile \`${profile.name}\` lacks`,
        {
          label: `needs ${feature}`,
          notes: [
            ...notes,
            `device profile \`${profile.name}\` has ${profile.features.length > 0 ? profile.features.map((f) => `\`${f}\``).join(", ") : "no features"}`,
          ],
          hint: `generate the kernel without the feature, or compile for a device that has it${
            having.length > 0 ? ` (${having.join(" or ")})` : " (a JSON profile listing it)"
          }`,
        },
      );
    }
  }

  for (const buffer of plan.buffers) {
    const subject: PlanSubject = { kind: "buffer", buffer: buffer.id };
    const bytes = bufferBytes(buffer);
    const b = `buffer \`${buffer.name}\` (${buffer.kind}, ${groupDigits(buffer.maxElements)} ${buffer.dtype} elements at the bounds)`;
    const notes = [
      `elements: ${buffer.elements}${typeof buffer.elements === "number" ? "" : `, at most ${groupDigits(buffer.maxElements)}`}`,
    ];
    const hint =
      buffer.kind === "weight"
        ? "split this weight across buffers"
        : "lower the sequence bound in the spec (it sizes activations and the KV cache), or split the tensor";
    exceeds(
      subject,
      "maxStorageBufferBindingSize",
      bytes,
      `${b} binds ${groupDigits(bytes)} bytes`,
      hint,
      notes,
    );
    exceeds(subject, "maxBufferSize", bytes, `${b} needs ${groupDigits(bytes)} bytes`, hint, notes);
  }
  return bag.items;
}

/** The IR nodes a kernel computes and the steps that run it, as notes. */
function kernelNotes(plan: KernelPlan, kernel: PlanKernel): string[] {
  const steps = plan.steps.flatMap((s, i) => (s.kernel === kernel.name ? [i] : []));
  if (steps.length === 0) return ["no step dispatches this kernel"];
  const nodes = [...new Set(steps.flatMap((i) => plan.steps[i]!.nodes))];
  return [
    `it computes ${list(nodes.map((n) => `\`${n}\``))} (step${steps.length === 1 ? "" : "s"} ${list(steps.map(String))})`,
  ];
}

/**
 * A `spanOf` that finds a kernel's or buffer's place in the spec: the source of the IR node the
 * first step using it computes; a weight buffer: the node declaring the weight; an input or output
 * buffer: its declaration in the spec.
 */
export function irSpans(plan: KernelPlan, ir: TypedIr): (subject: PlanSubject) => Span | undefined {
  const nodes = new Map(ir.nodes.map((n) => [n.name, n]));
  const spanOfNode = (name: string | undefined): Span | undefined => {
    const node = name === undefined ? undefined : nodes.get(name);
    return node
      ? { file: node.source.file, start: node.source.start, end: node.source.end }
      : undefined;
  };
  const firstNode = (steps: KernelPlan["steps"]) =>
    steps.flatMap((s) => s.nodes).find((n) => nodes.has(n));
  return (subject) => {
    if (subject.kind === "kernel")
      return spanOfNode(firstNode(plan.steps.filter((s) => s.kernel === subject.kernel)));
    const buffer = plan.buffers.find((b) => b.id === subject.buffer);
    const declared =
      buffer?.kind === "input"
        ? ir.inputs.find((i) => i.name === buffer.name)
        : buffer?.kind === "output"
          ? ir.outputs.find((o) => o.name === buffer.name)
          : undefined;
    if (declared)
      return { file: declared.source.file, start: declared.source.start, end: declared.source.end };
    const weight = buffer?.weights?.[0];
    if (weight !== undefined) {
      const owner = ir.nodes.find((n) => n.weights.some((w) => `${n.name}.${w.name}` === weight));
      if (owner) return spanOfNode(owner.name);
    }
    return spanOfNode(firstNode(plan.steps.filter((s) => s.buffers.includes(subject.buffer))));
  };
}

function formatSizes(sizes: Readonly<Record<string, number | string>>): string {
  const entries = Object.entries(sizes);
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k} = ${v}`).join(", ");
}

function list(items: string[], shown = 4): string {
  return items.length <= shown
    ? items.join(", ")
    : `${items.slice(0, shown).join(", ")} and ${items.length - shown} more`;
}

/** 134217728 → "134,217,728". */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
