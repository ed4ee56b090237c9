/**
 * Putting a loaded model on a WebGPU device: the machine's GPU, else SwiftShader. A bundle's plan
 * compiled for the other kind of adapter, or a spec, is lowered here for the adapter found, with
 * the matmul tiles `loom tune` recorded for it.
 */
import { lowerToPlan } from "../compiler/lower/lower.ts";
import { profileTarget } from "../contracts/device-profile/builtins.ts";
import { verifyPlan } from "../contracts/plan/verify.ts";
import type { AcquiredDevice } from "../runtime/webgpu/adapter.ts";
import { acquireNodeDevice, NoAdapterError } from "../runtime/webgpu/device.ts";
import { WebGpuModel, type LoadProgress } from "../runtime/webgpu/session.ts";
import { batchBound } from "./batch.ts";
import { LoomError, throwOnErrors } from "./errors.ts";
import type { LoadedModel } from "./model.ts";
import { recordedTiles } from "./tile-cache.ts";

export { WebGpuModel, type LoadProgress } from "../runtime/webgpu/session.ts";
export type { AcquiredDevice } from "../runtime/webgpu/adapter.ts";

/** How a model is put on a device. */
export interface OpenOptions {
  /** A device to use; default: the machine's GPU, else SwiftShader. */
  device?: AcquiredDevice;
  /** Called with one line for each choice made on the way (adapter, re-lowering, tiles). */
  onNote?: (note: string) => void;
  /** Called with what went wrong but did not stop the call (a tile cache that cannot be used). */
  onWarning?: (warning: string) => void;
  /** Called while weights upload and kernels compile. */
  onProgress?: LoadProgress;
  /** Use the tiles `loom tune` recorded for this adapter (default true). */
  recordedTiles?: boolean;
  /** Largest batch a spec's plan holds (default: its `batch <= N` bound, else 1); a bundle keeps its own. */
  maxBatch?: number;
}

/** The machine's WebGPU device; a LoomError that says what to install when there is none. */
export async function openNodeDevice(): Promise<AcquiredDevice> {
  try {
    return await acquireNodeDevice();
  } catch (error) {
    if (!(error instanceof NoAdapterError)) throw error;
    throw new LoomError(`${error.message}\nOr run on the CPU reference with --backend cpu.`, {
      kind: "usage",
    });
  }
}

/** The kernel plan to run on this adapter: the bundle's own when it was compiled for its kind. */
export function planForAdapter(
  model: LoadedModel,
  acquired: AcquiredDevice,
  note: (text: string) => void = () => {},
  useRecordedTiles = true,
  maxBatch?: number,
  warn: (text: string) => void = note,
) {
  if (model.plan && model.planProfile && profileTarget(model.planProfile) === acquired.kind)
    return model.plan;
  if (model.plan)
    note(
      `the bundle's kernels were compiled for ${acquired.kind === "cpu" ? "GPUs" : "CPU adapters"} (device profile ${model.planProfile}); lowered again for this adapter`,
    );
  const recorded = useRecordedTiles ? recordedTiles(acquired.description) : undefined;
  if (recorded && "problem" in recorded)
    warn(`the tile cache is ignored: ${recorded.problem}; run \`loom tune\` again`);
  else if (recorded)
    note(`matmul tiles measured on this adapter by \`loom tune\` (${recorded.measured})`);
  const tiles = recorded && "tiles" in recorded ? { tiles: recorded.tiles } : {};
  const bundleBatch = model.plan && model.plan.sizes.max[model.plan.sizes.batch];
  const batch = bundleBatch ?? batchBound(model.ir, maxBatch);
  const lowered = lowerToPlan(model.ir, {
    target: acquired.kind,
    ...tiles,
    ...(model.packed ? { weightFormats: { recorded: model.packed.formats } } : {}),
    ...(batch !== undefined ? { maxBatch: batch } : {}),
  });
  throwOnErrors(`${model.ir.model} cannot run on this adapter`, lowered.diagnostics, model.sources);
  if (!lowered.plan)
    throw new LoomError(`the lowering produced no kernel plan for ${model.ir.model}`);
  // A bundle's own plan was verified when it was read; one lowered here is verified now.
  throwOnErrors(
    `internal compiler error: the kernel plan lowered for ${model.ir.model} is unsound`,
    verifyPlan(lowered.plan),
    model.sources,
  );
  return lowered.plan;
}

/** Puts a loaded model on a WebGPU device: weights uploaded, kernels compiled, buffers planned. */
export async function openOnDevice(
  model: LoadedModel,
  options: OpenOptions = {},
): Promise<WebGpuModel> {
  const note = options.onNote ?? (() => {});
  const acquired = options.device ?? (await openNodeDevice());
  note(
    `${acquired.description} (${acquired.kind === "cpu" ? "CPU, SwiftShader" : "GPU"}${acquired.driver ? ` from ${acquired.driver}` : ""})`,
  );
  const plan = planForAdapter(
    model,
    acquired,
    note,
    options.recordedTiles ?? true,
    options.maxBatch,
    options.onWarning ?? note,
  );
  try {
    return await WebGpuModel.load(
      acquired.device,
      model.ir,
      plan,
      model.weights,
      options.onProgress,
      model.packed?.words,
    );
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new LoomError(error.message);
  }
}
export type { KernelTimes } from "../runtime/webgpu/session.ts";
export { evaluateSize } from "../contracts/kernel.ts";
