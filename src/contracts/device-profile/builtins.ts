import type { DeviceProfile } from "./schema.ts";

/**
 * The built-in device profiles. `webgpu-default` is what every WebGPU device guarantees (the
 * spec's default limits), so a bundle compiled for it runs anywhere; the others are what a real
 * adapter reported, for compiling with larger tiles.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, DeviceProfile>> = {
  /** WebGPU's default limits (https://gpuweb.github.io/gpuweb/#limit-default), no features. */
  "webgpu-default": {
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
  },
  /**
   * SwiftShader 5.0.0 (the CPU Vulkan driver Debian's chromium ships) through Dawn, as npm
   * `webgpu` 0.6 reports the adapter (`adapter.limits`, `adapter.features`), measured on the
   * development machine. The features are the compute-relevant ones it lists; no shader-f16.
   */
  swiftshader: {
    name: "swiftshader",
    maxComputeWorkgroupStorageSize: 32768,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupSizeZ: 64,
    maxStorageBuffersPerShaderStage: 12,
    maxUniformBuffersPerShaderStage: 12,
    maxStorageBufferBindingSize: 1073741824,
    maxBufferSize: 1073741824,
    maxComputeWorkgroupsPerDimension: 65535,
    features: ["subgroup-size-control", "subgroups", "timestamp-query"],
  },
};

/** The profile used when none is given. */
export const DEFAULT_PROFILE = "webgpu-default";

/**
 * The adapter kind whose kernels a plan checked against this profile uses: SwiftShader's profile
 * gets the CPU kernels, every other profile the GPU ones.
 */
export function profileTarget(profileName: string): "gpu" | "cpu" {
  return profileName === "swiftshader" ? "cpu" : "gpu";
}
