import type { PackedFormat } from "../contracts/weight-format.ts";
import { profileTarget } from "../contracts/device-profile/builtins.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { lowerToPlan } from "../compiler/lower/lower.ts";
import type { KernelPlan } from "../contracts/plan/schema.ts";
import { verifyPlan } from "../contracts/plan/verify.ts";
import type { WeightMap } from "../runtime/reference/executor.ts";
import { withAttentionMaps } from "../compiler/codegen/attention-map.ts";
import type { AttentionMapPlan } from "../contracts/plan/attention-map.ts";
import { acquireBrowserDevice } from "../runtime/webgpu/browser-device.ts";
import type { AcquiredDevice } from "../runtime/webgpu/adapter.ts";
import { WebGpuModel, type LoadProgress } from "../runtime/webgpu/session.ts";

/** A model on the page's WebGPU device, with its attention maps computed at each prefill. */
export interface BrowserModel {
  model: WebGpuModel;
  maps: AttentionMapPlan;
  acquired: AcquiredDevice;
}

let device: Promise<AcquiredDevice> | undefined;

/** The page's one WebGPU device, acquired on first use (and again after a failure or loss). */
export function pageDevice(): Promise<AcquiredDevice> {
  device ??= acquireBrowserDevice().then(
    (acquired) => {
      void acquired.device.lost.then(() => (device = undefined));
      return acquired;
    },
    (error: unknown) => {
      device = undefined;
      throw error;
    },
  );
  return device;
}

/**
 * Puts a checked model on the page's device, as the CLI's openOnWebGpu does in Node: the plan of
 * a bundle (unless it was compiled for the other kind of adapter, named by `planProfile`), or the
 * IR lowered for this adapter's kind. Returns what went wrong as a sentence.
 */
export async function openInBrowser(
  ir: TypedIr,
  weights: WeightMap,
  options: {
    plan?: KernelPlan;
    planProfile?: string;
    progress?: LoadProgress;
    /** A bundle's packed weights: formats kept when lowering again, words uploaded as they are. */
    packed?: { formats: Record<string, PackedFormat>; words: ReadonlyMap<string, Uint32Array> };
  } = {},
): Promise<BrowserModel | { error: string }> {
  try {
    const acquired = await pageDevice();
    let plan = options.plan;
    if (options.planProfile && profileTarget(options.planProfile) !== acquired.kind)
      plan = undefined;
    if (!plan) {
      const lowered = lowerToPlan(ir, {
        target: acquired.kind,
        ...(options.packed ? { weightFormats: { recorded: options.packed.formats } } : {}),
      });
      if (!lowered.plan)
        return { error: lowered.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n") };
      plan = lowered.plan;
    }
    const maps = withAttentionMaps(ir, plan);
    const unsound = verifyPlan(maps.plan);
    if (unsound.length > 0)
      return { error: unsound.map((d) => `${d.code}: ${d.message}\n${d.hint}`).join("\n") };
    const model = await WebGpuModel.load(
      acquired.device,
      ir,
      maps.plan,
      weights,
      options.progress,
      options.packed?.words,
    );
    return { model, maps, acquired };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
