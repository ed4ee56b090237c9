import { NoAdapterError, openDevice, type AcquiredDevice } from "./adapter.ts";

/**
 * A WebGPU device in a browser, from `navigator.gpu`: the same device Node gets from Dawn, so the
 * rest of the runtime is shared. Throws NoAdapterError saying what to enable when there is none.
 */
export async function acquireBrowserDevice(): Promise<AcquiredDevice> {
  const page = globalThis as { navigator?: { gpu?: GPU }; isSecureContext?: boolean };
  const gpu = page.navigator?.gpu;
  if (!gpu)
    throw new NoAdapterError(
      page.isSecureContext === false
        ? "WebGPU needs a secure context: open the page over https or from localhost."
        : "this browser has no WebGPU (navigator.gpu): use a recent Chrome, Edge or Firefox, or start Chromium with --enable-unsafe-webgpu.",
    );
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter)
    throw new NoAdapterError(
      "the browser offers no WebGPU adapter: its GPU may be blocklisted; try chrome://gpu, or start Chromium with --enable-unsafe-webgpu.",
    );
  return openDevice(adapter);
}
