/** What Node and browsers share once they hold a GPUAdapter: the device Loom asks for. */

/** No WebGPU adapter: the message says what to install or enable. */
export class NoAdapterError extends Error {}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** "gpu" for a hardware adapter, "cpu" for SwiftShader. */
  kind: "gpu" | "cpu";
  description: string;
  /** Where the CPU Vulkan driver came from, when Loom chose one (Node only). */
  driver?: string;
}

/**
 * Requests a device with the optional features Loom uses (when the adapter has them) and the
 * adapter's full limits for what the kernel plans need; tells SwiftShader from a GPU by the
 * adapter's info, or by `cpu` when the caller knows it chose a CPU driver.
 */
export async function openDevice(adapter: GPUAdapter, cpu = false): Promise<AcquiredDevice> {
  const wanted: GPUFeatureName[] = ["timestamp-query", "shader-f16"];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    },
  });
  const info = adapter.info;
  const swiftshader = /swiftshader/i.test(
    `${info.vendor} ${info.architecture} ${info.device} ${info.description}`,
  );
  return {
    device,
    adapter,
    kind: swiftshader || cpu ? "cpu" : "gpu",
    description:
      [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" / ") ||
      "unknown adapter",
  };
}
