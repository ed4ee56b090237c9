import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { NoAdapterError, openDevice, type AcquiredDevice } from "./adapter.ts";

export { NoAdapterError, type AcquiredDevice } from "./adapter.ts";

/** Where Debian's chromium package puts SwiftShader, a CPU Vulkan driver Dawn can use. */
const SWIFTSHADER_ICDS = ["/usr/lib/chromium/vk_swiftshader_icd.json"];

/** Whether the machine has a GPU device node (NVIDIA's, or a DRM render node for Intel/AMD). */
function hasGpuDevice(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  } catch {
    return false;
  }
}

let navigatorGpu: GPU | undefined;

/**
 * A WebGPU device in Node through Dawn: the machine's GPU when there is one, otherwise
 * SwiftShader (a CPU Vulkan driver shipped with Debian's chromium). Throws NoAdapterError with what
 * to install when neither is available.
 */
export async function acquireNodeDevice(
  options: { preferCpu?: boolean } = {},
): Promise<AcquiredDevice> {
  const swiftshader = SWIFTSHADER_ICDS.find((path) => existsSync(path));
  // The Vulkan loader reads VK_ICD_FILENAMES when Dawn's instance is created, so decide before.
  // Without a GPU, Mesa's drivers offer only lavapipe, which Dawn refuses: go to SwiftShader.
  const useCpu = options.preferCpu || !hasGpuDevice();
  if (useCpu && swiftshader && !process.env["VK_ICD_FILENAMES"])
    process.env["VK_ICD_FILENAMES"] = swiftshader;
  // Dawn's Vulkan loader complains on stderr when this is unset (common in containers and CI).
  process.env["XDG_RUNTIME_DIR"] ??= tmpdir();
  if (!navigatorGpu) {
    let webgpu: typeof import("webgpu");
    try {
      webgpu = await import("webgpu");
    } catch (error) {
      throw new NoAdapterError(
        `the \`webgpu\` package (Dawn for Node) could not be loaded: ${(error as Error).message}. Run \`npm ci\`.`,
      );
    }
    Object.assign(globalThis, webgpu.globals);
    navigatorGpu = webgpu.create([]);
  }
  let adapter = await navigatorGpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter && swiftshader && process.env["VK_ICD_FILENAMES"] !== swiftshader) {
    process.env["VK_ICD_FILENAMES"] = swiftshader;
    const webgpu = await import("webgpu");
    navigatorGpu = webgpu.create([]);
    adapter = await navigatorGpu.requestAdapter();
  }
  if (!adapter) {
    throw new NoAdapterError(
      [
        "no WebGPU adapter: Dawn found neither a GPU nor a CPU Vulkan driver.",
        "Install a CPU driver and the Vulkan loader with `apt-get install chromium libvulkan1`",
        "(Loom uses the SwiftShader driver chromium ships), or a GPU driver with Vulkan support.",
      ].join("\n"),
    );
  }
  return openDevice(adapter, process.env["VK_ICD_FILENAMES"] === swiftshader);
}
