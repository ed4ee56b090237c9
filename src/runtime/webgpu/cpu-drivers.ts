import { existsSync } from "node:fs";
import { cachedSwiftShader } from "./swiftshader-cache.ts";
import { preloadVulkanLoader } from "./vulkan-preload.ts";

/** Where Debian's chromium package puts SwiftShader's ICD manifest. */
export const DEBIAN_SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** A CPU Vulkan driver made ready for Dawn: VK_ICD_FILENAMES names its manifest. */
export interface CpuDriver {
  icd: string;
  /** Where the driver came from, for the user. */
  source: string;
}

/**
 * Readies the CPU Vulkan drivers in the order Loom tries them, yielding each once the environment
 * points at it (Dawn reads it when an instance is created). First Debian's chromium's SwiftShader
 * with the system's Vulkan loader (what a Debian machine set up by hand has), then the SwiftShader
 * npm installed with Loom, whose own Vulkan loader is preloaded. `problems` collects why a driver
 * could not be readied.
 */
export async function* cpuDrivers(problems: string[]): AsyncGenerator<CpuDriver> {
  if (existsSync(DEBIAN_SWIFTSHADER_ICD)) {
    process.env["VK_ICD_FILENAMES"] = DEBIAN_SWIFTSHADER_ICD;
    yield { icd: DEBIAN_SWIFTSHADER_ICD, source: "Debian's chromium" };
    problems.push(`${DEBIAN_SWIFTSHADER_ICD} gave no adapter (is libvulkan1 installed?)`);
  }
  let cached;
  try {
    cached = await cachedSwiftShader();
  } catch (error) {
    problems.push(`SwiftShader could not be unpacked: ${(error as Error).message}`);
    return;
  }
  if (typeof cached === "string") {
    problems.push(cached);
    return;
  }
  if (!preloadVulkanLoader(cached.loader)) {
    problems.push(`the Vulkan loader ${cached.loader} could not be loaded`);
    return;
  }
  process.env["VK_ICD_FILENAMES"] = cached.icd;
  yield {
    icd: cached.icd,
    source: `${cached.source}, unpacked in ${cached.icd.replace(/\/[^/]*$/, "")}`,
  };
  problems.push(`SwiftShader from ${cached.source} gave no adapter`);
}
