/**
 * E0653: packed weights are read only by kernels that unpack them. A buffer with a `format`
 * (a packed matmul weight: u32 words) must be a weight, of dtype u32, bound only at bindings
 * that name the same format; a binding that names a format must get such a buffer. A kernel
 * reading packed words as f32, or f32 as packed words, computes garbage without any error.
 */
import type { KernelPlan } from "./schema.ts";

/** Every step binding a buffer in a format its kernel does not read, reported; false if any. */
export function checkWeightFormats(
  plan: KernelPlan,
  report: (message: string) => void,
  at: (i: number) => string,
  name: (id: number) => string,
): boolean {
  let ok = true;
  const fail = (message: string) => {
    ok = false;
    report(message);
  };
  for (const buffer of plan.buffers)
    if (buffer.format !== undefined && (buffer.kind !== "weight" || buffer.dtype !== "u32"))
      fail(
        `${name(buffer.id)} is packed as ${buffer.format} but is a ${buffer.dtype} ${buffer.kind}`,
      );
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  const buffers = new Map(plan.buffers.map((b) => [b.id, b]));
  plan.steps.forEach((step, i) => {
    const storage = kernels.get(step.kernel)?.bindings.filter((b) => b.access !== "uniform");
    step.buffers.forEach((id, j) => {
      const binding = storage?.[j];
      const buffer = buffers.get(id);
      if (!binding || !buffer || binding.format === buffer.format) return;
      fail(
        `${at(i)} binds ${name(id)}, ${buffer.format ? `packed as ${buffer.format}` : "not packed"}, to \`${binding.name}\`, which reads ${binding.format ? `${binding.format} words` : `plain ${buffer.dtype}`}`,
      );
    });
  });
  return ok;
}
