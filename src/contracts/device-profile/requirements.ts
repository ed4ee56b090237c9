/**
 * What a kernel plan needs of a device: the features its WGSL enables and, for each limit, the
 * largest value any kernel, buffer or dispatch reaches at the largest runtime sizes. A bundle
 * records them so a runtime can refuse a device before creating a pipeline.
 */
import { z } from "zod";
import { evaluateSize } from "../kernel.ts";
import type { KernelPlan } from "../plan/schema.ts";
import { LIMIT_NAMES, type DeviceLimits } from "./schema.ts";

type PlanKernel = KernelPlan["kernels"][number];
type PlanBuffer = KernelPlan["buffers"][number];

/** Bytes per element of a plan buffer (f32 and u32 alike). */
export const ELEMENT_BYTES = 4;

const needed = (description: string) => z.number().int().nonnegative().describe(description);

export const Requirements = z.strictObject({
  features: z
    .array(z.string().min(1))
    .describe("GPUFeatureName values the kernels' WGSL enables (`enable f16;` → shader-f16)"),
  limits: z
    .strictObject(
      Object.fromEntries(
        LIMIT_NAMES.map((name) => [name, needed(`the largest ${name} any kernel or buffer needs`)]),
      ) as Record<keyof DeviceLimits, z.ZodNumber>,
    )
    .describe(
      "for each limit, the value the plan needs at the largest runtime sizes (plan.sizes.max); a device must allow at least this",
    ),
});
export type Requirements = z.infer<typeof Requirements>;

/** WGSL `enable` extensions and the device features they need. */
const EXTENSION_FEATURES: Readonly<Record<string, string>> = {
  f16: "shader-f16",
  subgroups: "subgroups",
  clip_distances: "clip-distances",
  dual_source_blending: "dual-source-blending",
};

/** The device features a WGSL module enables with `enable …;` directives. */
export function wgslFeatures(wgsl: string): string[] {
  const features = new Set<string>();
  for (const match of wgsl.matchAll(/^\s*enable\s+([A-Za-z0-9_,\s]+?)\s*,?\s*;/gm))
    for (const name of match[1]!
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean))
      features.add(EXTENSION_FEATURES[name] ?? name.replace(/_/g, "-"));
  return [...features].sort();
}

/** Storage (read or read_write) and uniform bindings of a kernel. */
export function bindingCounts(kernel: Pick<PlanKernel, "bindings">): {
  storage: number;
  uniform: number;
} {
  const uniform = kernel.bindings.filter((b) => b.access === "uniform").length;
  return { storage: kernel.bindings.length - uniform, uniform };
}

/** Bytes a buffer occupies at the bounds. */
export function bufferBytes(buffer: PlanBuffer): number {
  return buffer.maxElements * ELEMENT_BYTES;
}

/** A dispatch's workgroup count along one axis, for one step (or the kernel alone). */
export type AxisCount = {
  kernel: string;
  /** The step dispatching it. */
  step: number;
  axis: 0 | 1 | 2;
} & ({ count: number } | { unknown: string });

/**
 * The workgroup counts of every dispatch at the given runtime sizes: each step's kernel sizes
 * (`step.sizes`, expressions over runtime sizes) evaluated, then the kernel's dispatch axes over
 * them. A kernel no step dispatches has no counts.
 */
export function dispatchCounts(
  plan: KernelPlan,
  sizes: Readonly<Record<string, number>>,
): AxisCount[] {
  const counts: AxisCount[] = [];
  const evaluate = (
    kernel: Pick<PlanKernel, "name" | "dispatch">,
    own: Record<string, number>,
    step: number,
  ) =>
    kernel.dispatch.forEach((axis, i) => {
      const at = { kernel: kernel.name, step, axis: i as 0 | 1 | 2 };
      if (typeof axis === "number") return counts.push({ ...at, count: axis });
      try {
        counts.push({ ...at, count: Math.ceil(evaluateSize(axis.expr, own) / axis.divisor) });
      } catch {
        counts.push({ ...at, unknown: String(axis.expr) });
      }
    });
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  plan.steps.forEach((step, i) => {
    const kernel = kernels.get(step.kernel);
    if (!kernel) return;
    const own: Record<string, number> = { ...sizes };
    for (const [name, expr] of Object.entries(step.sizes)) {
      try {
        own[name] = evaluateSize(expr, sizes);
      } catch {
        delete own[name]; // an axis over it is reported as unknown
      }
    }
    evaluate(kernel, own, i);
  });
  return counts;
}

/** The features and limits a plan needs, at its largest runtime sizes unless `sizes` is given. */
export function planRequirements(
  plan: Pick<KernelPlan, "kernels" | "buffers" | "steps" | "sizes">,
  sizes: Readonly<Record<string, number>> = plan.sizes.max,
): Requirements {
  const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);
  const { kernels, buffers } = plan;
  const counts = dispatchCounts(plan as KernelPlan, sizes).flatMap((c) =>
    "count" in c ? [c.count] : [],
  );
  const limits: DeviceLimits = {
    maxComputeWorkgroupStorageSize: max(kernels.map((k) => k.workgroupStorageBytes)),
    maxComputeInvocationsPerWorkgroup: max(
      kernels.map((k) => k.workgroupSize.reduce((a, b) => a * b, 1)),
    ),
    maxComputeWorkgroupSizeX: max(kernels.map((k) => k.workgroupSize[0])),
    maxComputeWorkgroupSizeY: max(kernels.map((k) => k.workgroupSize[1])),
    maxComputeWorkgroupSizeZ: max(kernels.map((k) => k.workgroupSize[2])),
    maxStorageBuffersPerShaderStage: max(kernels.map((k) => bindingCounts(k).storage)),
    maxUniformBuffersPerShaderStage: max(kernels.map((k) => bindingCounts(k).uniform)),
    maxStorageBufferBindingSize: max(buffers.map(bufferBytes)),
    maxBufferSize: max(buffers.map(bufferBytes)),
    maxComputeWorkgroupsPerDimension: max(counts),
  };
  const features = [...new Set(kernels.flatMap((k) => wgslFeatures(k.wgsl)))].sort();
  return { features, limits };
}
