/**
 * Differential testing of the compiler: a spec compiled to a kernel plan, the plan verified,
 * run on the WebGPU device and compared with the CPU reference executor on the same weights and
 * inputs; for a model that generates, a decode step after a prefill too (KV caches, decode
 * kernels), compared with the reference's last position over the whole sequence.
 *
 * Tolerance: max |device − reference| over an output ≤ 1e-3 · max(1, max |reference|). The
 * kernels compute in f32 (about 6e-8 relative per rounding) against a float64 reference; with
 * widths ≤ 64 and ≤ 3 layers the accumulated error measured on the tiny specs is ~1e-6
 * (test/webgpu/end-to-end.test.ts holds them to 1e-4), so 1e-3 leaves two orders of margin for
 * softmax and norms, while a fusion that computes the wrong thing misses by O(1) of the scale.
 */
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { ReferenceExecutor, type WeightMap } from "../../src/runtime/reference/executor.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import { inputsFor } from "./model-inputs.ts";

/** The largest error allowed, relative to the reference output's scale (see above). */
export const TOLERANCE = 1e-3;

/** What one model gave. */
export type Outcome =
  | { status: "agrees"; worst: number }
  /** The spec did not check, or the lowering does not cover it (E0620): not a comparison. */
  | { status: "skipped"; reason: string }
  | { status: "unsound"; reason: string }
  | { status: "differs"; reason: string; worst: number };

/** max |a − b| / max(1, max |b|). */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst / scale;
}

/** The last position along axis 1 of a [batch, seq, …] tensor (batch 1). */
function lastPosition(t: Tensor): Tensor {
  const row = t.shape.slice(2).reduce((x, y) => x * y, 1);
  const seq = t.shape[1]!;
  return { shape: [1, 1, ...t.shape.slice(2)], data: t.data.slice((seq - 1) * row, seq * row) };
}

/** Compares each reference output with the device's; the worst error, or what differed. */
function compare(
  got: Readonly<Record<string, Tensor>>,
  want: Readonly<Record<string, Tensor>>,
  what: string,
): { worst: number; problem?: string } {
  let worst = 0;
  for (const [name, expected] of Object.entries(want)) {
    const actual = got[name];
    if (!actual || JSON.stringify(actual.shape) !== JSON.stringify(expected.shape))
      return {
        worst: Infinity,
        problem: `${what}: output ${name} has shape ${JSON.stringify(actual?.shape)}, the reference ${JSON.stringify(expected.shape)}`,
      };
    const error = scaledError(actual.data, expected.data);
    if (!(error <= TOLERANCE))
      return {
        worst: error,
        problem: `${what}: output ${name} differs by ${error.toExponential(2)} of its scale`,
      };
    worst = Math.max(worst, error);
  }
  return { worst };
}

/** Compiles, verifies, runs and compares one spec's first model (see the file comment). */
export async function differential(
  device: GPUDevice,
  target: "gpu" | "cpu",
  text: string,
  seed = 7,
): Promise<Outcome> {
  const checked = checkSpec("differential.loom", () => text);
  const ir = checked.models[0]?.ir;
  if (!ir || checked.diagnostics.some((d) => d.severity === "error"))
    return { status: "skipped", reason: "the spec does not check" };
  const lowered = lowerToPlan(ir, { target });
  if (!lowered.plan)
    return { status: "skipped", reason: lowered.diagnostics.map((d) => d.message).join("; ") };
  const unsound = verifyPlan(lowered.plan);
  if (unsound.length > 0)
    return { status: "unsound", reason: unsound.map((d) => `${d.code} ${d.message}`).join("\n") };

  const weights = initWeights(ir, seed);
  const inputs = inputsFor(ir);
  // A usage conflict or other validation error is reported here rather than only printed.
  device.pushErrorScope("validation");
  const outcome = await WebGpuModel.load(device, ir, lowered.plan, weights).then(
    async (model) => {
      try {
        return await compareRuns(ir, lowered.plan!, model, weights, inputs);
      } finally {
        model.destroy();
      }
    },
    (error: unknown) => error as Error,
  );
  const invalid = await device.popErrorScope();
  if (invalid)
    return { status: "differs", reason: `WebGPU validation: ${invalid.message}`, worst: Infinity };
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

/** The prefill (and, for a generating model, one decode step) on the device against the reference. */
async function compareRuns(
  ir: TypedIr,
  plan: KernelPlan,
  model: WebGpuModel,
  weights: WeightMap,
  inputs: Record<string, Tensor>,
): Promise<Outcome> {
  const step = plan.generation?.stepInput;
  const prompt = step ? inputs[step]! : undefined;
  // A generating model: prefill all but the last token, then decode the last one.
  const first =
    prompt && prompt.shape[1]! > 1 ? withLength(inputs, step!, prompt.shape[1]! - 1) : inputs;
  const reference = new ReferenceExecutor(ir, weights);
  const prefill = compare((await model.forward(first)).outputs, reference.run(first), "prefill");
  if (prefill.problem) return { status: "differs", reason: prefill.problem, worst: prefill.worst };
  if (first === inputs) return { status: "agrees", worst: prefill.worst };
  const last = withSlice(inputs, step!, prompt!.shape[1]! - 1);
  const decoded = (await model.forward(last)).outputs;
  const full = reference.run(inputs);
  const want = Object.fromEntries(
    Object.entries(full)
      .filter(([name]) => stepOutput(ir, name, plan.sizes.step))
      .map(([n, t]) => [n, lastPosition(t)]),
  );
  const decode = compare(decoded, want, "decode step");
  if (decode.problem) return { status: "differs", reason: decode.problem, worst: decode.worst };
  return { status: "agrees", worst: Math.max(prefill.worst, decode.worst) };
}

/** Whether an output has the step's sequence as its axis 1 (so a decode step gives one row). */
function stepOutput(ir: TypedIr, name: string, step: string | null): boolean {
  const output = ir.outputs.find((o) => o.name === name);
  const value = ir.values.find((v) => v.id === output?.value);
  return value !== undefined && value.shape.length >= 3 && String(value.shape[1]) === step;
}

/** The inputs with the step input cut to its first `length` positions. */
function withLength(inputs: Record<string, Tensor>, step: string, length: number) {
  const ids = inputs[step]!;
  return { ...inputs, [step]: { shape: [1, length], data: ids.data.slice(0, length) } };
}

/** The inputs with the step input holding only position `at`. */
function withSlice(inputs: Record<string, Tensor>, step: string, at: number) {
  const ids = inputs[step]!;
  return { ...inputs, [step]: { shape: [1, 1], data: ids.data.slice(at, at + 1) } };
}
