/** One forward pass: on WebGPU (a model from `openOnDevice`) or the CPU reference executor. */
import type { Tensor } from "../contracts/tensor.ts";
import { ReferenceExecutor } from "../runtime/reference/executor.ts";
import type { WebGpuModel } from "../runtime/webgpu/session.ts";
import { InputError } from "./errors.ts";
import type { LoadedModel } from "./model.ts";

export { ReferenceExecutor } from "../runtime/reference/executor.ts";
export { samplingDistribution } from "../runtime/sampling.ts";

/** Runs the model once on `inputs` (by input name); returns every output by name. */
export async function runModel(
  model: LoadedModel,
  inputs: Record<string, Tensor>,
  options: { device?: WebGpuModel } = {},
): Promise<Record<string, Tensor>> {
  try {
    if (options.device) return (await options.device.forward(inputs)).outputs;
    return new ReferenceExecutor(model.ir, model.weights).run(inputs);
  } catch (error) {
    // Inputs that do not fit the model (a shape, a bound) are the caller's to change.
    if (error instanceof RangeError) throw new InputError(error.message);
    throw error;
  }
}
