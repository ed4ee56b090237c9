/**
 * Which dispatch of a failed forward pass the GPU rejects. A forward pass is one submission in
 * one set of error scopes, so a validation error does not say which step caused it; then each
 * dispatch is encoded again on its own (finished, never submitted) inside scopes of its own, and
 * the first the GPU rejects names the plan step and kernel. Only a failure pays for this.
 */
import type { LoomError } from "../../contracts/diagnostics/loom-error.ts";
import { caughtError, scoped, type Caught } from "./gpu-errors.ts";

/** One dispatch a forward pass encoded: its plan step, pipeline, bind group and workgroups. */
export interface Dispatch {
  index: number;
  step: { kernel: string; nodes: string[] };
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  counts: [number, number, number];
}

/** "step 3 (kernel `matmul_1`, computing `h.0.attention`)": a plan step, for messages. */
export function describeStep(index: number, step: Dispatch["step"]): string {
  const nodes = step.nodes.map((n) => `\`${n}\``).join(", ");
  return `step ${index} (kernel \`${step.kernel}\`${nodes ? `, computing ${nodes}` : ""})`;
}

function encodeAlone(device: GPUDevice, dispatch: Dispatch): void {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(dispatch.pipeline);
  pass.setBindGroup(0, dispatch.bindGroup);
  pass.dispatchWorkgroups(...dispatch.counts);
  pass.end();
  encoder.finish();
}

/** The LoomError for what the scopes of a forward pass caught, naming the step when it can. */
export async function forwardError(
  device: GPUDevice,
  caught: Caught,
  dispatches: readonly Dispatch[],
): Promise<LoomError> {
  if (caught.filter === "validation") {
    const alone = await Promise.all(
      dispatches.map((dispatch) => scoped(device, () => encodeAlone(device, dispatch)).caught),
    );
    const at = alone.findIndex((found) => found !== undefined);
    if (at >= 0)
      return caughtError(
        alone[at]!,
        `running ${describeStep(dispatches[at]!.index, dispatches[at]!.step)}`,
      );
  }
  return caughtError(caught, `running the forward pass (${dispatches.length} dispatches)`);
}
