import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { NoAdapterError, openDevice, type AcquiredDevice } from "./adapter.ts";
import { cpuDrivers, type CpuDriver } from "./cpu-drivers.ts";
import { throttleDawnPolling } from "./event-polling.ts";
import { SWIFTSHADER_PACKAGE } from "./swiftshader-cache.ts";

export { NoAdapterError, type AcquiredDevice } from "./adapter.ts";

/** Whether the machine has a GPU device node (NVIDIA's, or a DRM render node for Intel/AMD). */
function hasGpuDevice(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  } catch {
    return false;
  }
}

/** Dawn's entry point, loaded once. */
async function loadDawn(): Promise<typeof import("webgpu")> {
  try {
    const webgpu = await import("webgpu");
    Object.assign(globalThis, webgpu.globals);
    throttleDawnPolling();
    return webgpu;
  } catch (error) {
    throw new NoAdapterError(
      `the \`webgpu\` package (Dawn for Node) could not be loaded: ${(error as Error).message}. Run \`npm ci\`.`,
    );
  }
}

/** The instance and adapter found by the first call, with the CPU driver it needed if any. */
let found: { gpu: GPU; driver?: CpuDriver } | undefined;

/**
 * A WebGPU device in Node through Dawn: the machine's GPU when there is one, otherwise
 * SwiftShader, a CPU Vulkan driver: Debian chromium's when installed, else the one npm installs
 * with Loom (see cpu-drivers.ts). A VK_ICD_FILENAMES set by the user is tried first. Throws
 * NoAdapterError saying what helps when nothing gives an adapter.
 */
export async function acquireNodeDevice(
  options: { preferCpu?: boolean } = {},
): Promise<AcquiredDevice> {
  // Dawn's Vulkan loader complains on stderr when this is unset (common in containers and CI).
  process.env["XDG_RUNTIME_DIR"] ??= tmpdir();
  const webgpu = await loadDawn();
  const request = (gpu: GPU) => gpu.requestAdapter({ powerPreference: "high-performance" });
  let adapter: GPUAdapter | null = null;
  if (found) adapter = await request(found.gpu);
  // Without a GPU, Mesa's drivers offer only lavapipe, which Dawn refuses: go to SwiftShader.
  const useCpu = options.preferCpu || !hasGpuDevice();
  if (!adapter && (!useCpu || process.env["VK_ICD_FILENAMES"])) {
    const gpu = webgpu.create([]);
    adapter = await request(gpu);
    if (adapter) found = { gpu };
  }
  const problems: string[] = [];
  if (!adapter) {
    for await (const driver of cpuDrivers(problems)) {
      const gpu = webgpu.create([]);
      adapter = await request(gpu);
      if (adapter) {
        found = { gpu, driver };
        break;
      }
    }
  }
  if (!adapter) {
    throw new NoAdapterError(
      [
        "no WebGPU adapter: Dawn found neither a GPU nor a CPU Vulkan driver.",
        ...problems.map((problem) => `  - ${problem}`),
        `Loom's CPU driver, SwiftShader, comes with \`npm ci\` in the optional package ${SWIFTSHADER_PACKAGE}`,
        "(linux-x64 only; `npm ci --omit=optional` leaves it out). Or point VK_ICD_FILENAMES at a",
        "Vulkan driver's ICD manifest (with `apt-get install chromium libvulkan1`, Loom finds Debian's",
        "SwiftShader by itself), or install a GPU driver with Vulkan support.",
      ].join("\n"),
    );
  }
  const acquired = await openDevice(adapter, found?.driver !== undefined);
  return found?.driver ? { ...acquired, driver: found.driver.source } : acquired;
}
