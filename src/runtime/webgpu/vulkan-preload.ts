import { readFileSync, realpathSync } from "node:fs";
import { constants } from "node:os";

/** glibc's and musl's RTLD_NODELETE (Node's os.constants.dlopen does not list it). */
const RTLD_NODELETE = 0x1000;

/** Whether the file is mapped into this process (read from /proc/self/maps). */
function isMapped(path: string): boolean {
  const real = realpathSync(path);
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .some((line) => line.endsWith(` ${real}`));
}

/**
 * Loads a Vulkan loader by absolute path and keeps it loaded, so that Dawn's later
 * `dlopen("libvulkan.so.1")` gets it: the dynamic linker answers a bare name with an already
 * loaded library whose soname matches before it searches the disk. Node's process.dlopen then
 * throws (the file is no Node addon) and closes it, which RTLD_NODELETE turns into a no-op.
 * Returns whether the loader is now in the process.
 */
export function preloadVulkanLoader(path: string): boolean {
  const module = { exports: {} };
  try {
    process.dlopen(module, path, constants.dlopen.RTLD_NOW | RTLD_NODELETE);
  } catch {
    // Expected "did not self-register"; a file that failed to load is caught just below.
  }
  return isMapped(path);
}
