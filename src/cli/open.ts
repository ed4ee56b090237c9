import { openOnDevice, type WebGpuModel } from "../api/device.ts";
import type { LoadedModel } from "../api/model.ts";
import type { Io } from "./io.ts";
import { loadProgressBar } from "./progress.ts";
import { reportWarnings } from "./report.ts";

/** Puts a model on the machine's WebGPU device, saying on stderr which adapter and kernels it chose. */
export async function openForCli(
  model: LoadedModel,
  io: Io,
  maxBatch?: number,
): Promise<WebGpuModel> {
  reportWarnings(model, io);
  const bar = loadProgressBar(io);
  try {
    return await openOnDevice(model, {
      onNote: (note) => io.stderr(`webgpu: ${note}\n`),
      onWarning: (warning) => io.stderr(`warning: ${warning}\n`),
      ...(bar.progress ? { onProgress: bar.progress } : {}),
      ...(maxBatch !== undefined ? { maxBatch } : {}),
    });
  } finally {
    bar.stop();
  }
}
