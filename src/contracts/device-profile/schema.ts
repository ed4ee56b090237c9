import { z } from "zod";

/**
 * A device profile: the WebGPU limits and features a bundle is compiled for. The names are
 * WebGPU's (GPUSupportedLimits, GPUFeatureName), so a profile can be copied from an adapter.
 * Only the limits a compute-only kernel plan can exceed are listed.
 */

const limit = (description: string) => z.number().int().positive().describe(description);

/** The limits of a profile, in the order they are checked and printed. */
export const DeviceLimits = z.strictObject({
  maxComputeWorkgroupStorageSize: limit("bytes of var<workgroup> memory one kernel may declare"),
  maxComputeInvocationsPerWorkgroup: limit("invocations per workgroup: x · y · z of workgroupSize"),
  maxComputeWorkgroupSizeX: limit("workgroupSize x"),
  maxComputeWorkgroupSizeY: limit("workgroupSize y"),
  maxComputeWorkgroupSizeZ: limit("workgroupSize z"),
  maxStorageBuffersPerShaderStage: limit("storage bindings (read or read_write) of one kernel"),
  maxUniformBuffersPerShaderStage: limit("uniform bindings of one kernel (its params)"),
  maxStorageBufferBindingSize: limit("bytes of the largest buffer bound as storage"),
  maxBufferSize: limit("bytes of the largest buffer allocated"),
  maxComputeWorkgroupsPerDimension: limit("workgroups of one dispatch along one axis"),
});
export type DeviceLimits = z.infer<typeof DeviceLimits>;

/** The names of the limits, in schema order. */
export const LIMIT_NAMES = Object.keys(DeviceLimits.shape) as (keyof DeviceLimits)[];

export const DeviceProfile = z.strictObject({
  name: z.string().min(1).describe("what the profile is called in messages and in bundles"),
  ...DeviceLimits.shape,
  features: z
    .array(z.string().min(1))
    .describe("GPUFeatureName values the device supports (shader-f16, subgroups, …)"),
});
export type DeviceProfile = z.infer<typeof DeviceProfile>;

/** The limits of a profile, without its name and features. */
export function profileLimits(profile: DeviceProfile): DeviceLimits {
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, profile[name]])) as DeviceLimits;
}
