import { openOnDevice, type WebGpuModel } from "../api/device.ts";
import type { LoadedModel } from "../api/model.ts";
import type { Io } from "./io.ts";
import { loadProgressBar } from "./progress.ts";
import { reportWarnings } from "./report.ts";
import type { Timeline } from "./timeline.ts";

/** Puts a model on the machine's WebGPU device, saying on stderr which adapter and kernels it chose. */
export async function openForCli(
  model: LoadedModel,
  io: Io,
  maxBatch?: number,
  timeline?: Timeline,
): Promise<WebGpuModel> {
  reportWarnings(model, io);
  const bar = loadProgressBar(io);
  const progress = timeline ? timeline.watchLoading(bar.progress) : bar.progress;
  try {
    const opened = await openOnDevice(model, {
      onNote: (note) => io.stderr(`webgpu: ${note}\n`),
      onWarning: (warning) => io.stderr(`warning: ${warning}\n`),
      ...(progress ? { onProgress: progress } : {}),
      ...(maxBatch !== undefined ? { maxBatch } : {}),
    });
    timeline?.endLoading();
    return opened;
  } finally {
    bar.stop();
  }
}
