import { acquireNodeDevice, NoAdapterError } from "../runtime/webgpu/device.ts";
import { WebGpuModel } from "../runtime/webgpu/session.ts";
import { EXIT, type Io } from "./io.ts";
import { profileTarget } from "../compiler/device-profile/builtins.ts";
import { lowerToPlan } from "../compiler/lower/lower.ts";
import { verifyPlan } from "../compiler/plan/verify.ts";
import { SourceSet } from "../compiler/source.ts";
import { report, type LoadedModel } from "./load-model.ts";
import { loadProgressBar } from "./progress.ts";
import { recordedTiles } from "./tile-cache.ts";

/**
 * Puts a loaded model on a WebGPU device (the machine's GPU, else SwiftShader). Says what to
 * install when there is no adapter, and reports out-of-memory and device loss as errors.
 */
export async function openOnWebGpu(model: LoadedModel, io: Io): Promise<WebGpuModel | number> {
  let acquired;
  try {
    acquired = await acquireNodeDevice();
  } catch (error) {
    if (!(error instanceof NoAdapterError)) throw error;
    io.stderr(`error: ${error.message}\nOr run on the CPU reference with --backend cpu.\n`);
    return EXIT.usage;
  }
  void acquired.device.lost.then((info) => {
    if (info.reason !== "destroyed")
      io.stderr(`error: the WebGPU device was lost (${info.reason}): ${info.message}\n`);
  });
  io.stderr(
    `webgpu: ${acquired.description} (${acquired.kind === "cpu" ? "CPU, SwiftShader" : "GPU"})\n`,
  );
  let plan = model.plan;
  if (plan && model.planProfile && profileTarget(model.planProfile) !== acquired.kind) {
    // The IR travels in the bundle: kernels for this kind of adapter are a lowering away.
    io.stderr(
      `webgpu: the bundle's kernels were compiled for ${acquired.kind === "cpu" ? "GPUs" : "CPU adapters"} (device profile ${model.planProfile}); running kernels generated for this adapter instead (store them with \`loom compile --device-profile ${acquired.kind === "cpu" ? "swiftshader" : "webgpu-default"}\`)\n`,
    );
    plan = undefined;
  }
  if (!plan) {
    const recorded = recordedTiles(acquired.description);
    if (recorded && "problem" in recorded)
      io.stderr(
        `warning: the tile cache is ignored: ${recorded.problem}; run \`loom tune\` again\n`,
      );
    else if (recorded)
      io.stderr(
        `webgpu: matmul tiles measured on this adapter by \`loom tune\` (${recorded.measured})\n`,
      );
    const tiles = recorded && "tiles" in recorded ? { tiles: recorded.tiles } : {};
    const lowered = lowerToPlan(model.ir, { target: acquired.kind, ...tiles });
    report(lowered.diagnostics, model.sources ?? new SourceSet(), io);
    if (!lowered.plan) return EXIT.errors;
    plan = lowered.plan;
  }
  // A bundle's plan was verified when it was read; one lowered here is verified now.
  const unsound = verifyPlan(plan);
  report(unsound, model.sources ?? new SourceSet(), io);
  if (unsound.length > 0) return EXIT.errors;
  const bar = loadProgressBar(io);
  try {
    return await WebGpuModel.load(acquired.device, model.ir, plan, model.weights, bar.progress);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return EXIT.errors;
  } finally {
    bar.stop();
  }
}
