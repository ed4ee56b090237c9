/**
 * Kernel plans broken on purpose, for the tests that a GPU error reaches the caller as a coded
 * LoomError (Node: test/webgpu/gpu-errors.test.ts; browser: test/browser/gpu-errors.test.ts).
 */
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";

/** A one-layer decoder small enough for SwiftShader to load and run in a second or two. */
export const TINY_SPEC = `model tiny_errors {
  dims { vocab = 16, ctx = 8, d = 16, heads = 2, layers = 1 }
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as wte
  repeat layers as h {
    x = x + attention(layernorm(x), heads, causal)
    x = x + mlp(layernorm(x), 2 * d, act = gelu_tanh)
  }
  output logits = lm_head(layernorm(x), tied_to = wte)
}
`;

/** Where a plan was broken: the step (and its kernel) that the GPU should refuse. */
export interface BrokenStep {
  plan: KernelPlan;
  step: number;
  kernel: string;
}

/**
 * The plan with its first step that writes one buffer and reads another binding its written
 * buffer in place of the one it reads: the writable-usage conflict WebGPU refuses at the dispatch
 * (the bug that once printed a validation error and ran to an all-zero output).
 */
export function aliasWrittenBuffer(plan: KernelPlan): BrokenStep {
  const broken = structuredClone(plan);
  const kernels = new Map(broken.kernels.map((k) => [k.name, k]));
  for (const [index, step] of broken.steps.entries()) {
    const storage = kernels.get(step.kernel)!.bindings.filter((b) => b.access !== "uniform");
    const written = storage.findIndex((b) => b.access === "read_write");
    const read = storage.findIndex((b) => b.access === "read");
    if (written < 0 || read < 0) continue;
    step.buffers[read] = step.buffers[written]!;
    return { plan: broken, step: index, kernel: step.kernel };
  }
  throw new Error("no step of the plan both reads and writes a buffer");
}

/**
 * The plan with the first kernel's WGSL ending in a function that does not type-check (it
 * returns a u32 as f32); `line` is that function's line in the kernel's WGSL, 1-based.
 */
export function breakWgsl(plan: KernelPlan): { plan: KernelPlan; kernel: string; line: number } {
  const broken = structuredClone(plan);
  const kernel = broken.kernels[0]!;
  kernel.wgsl = `${kernel.wgsl.trimEnd()}\nfn loom_broken() -> f32 { return 1u; }\n`;
  return { plan: broken, kernel: kernel.name, line: kernel.wgsl.trimEnd().split("\n").length };
}

/** The built-in device profile whose plans an adapter of this kind runs as they are. */
export function profileFor(kind: "gpu" | "cpu"): string {
  return kind === "cpu" ? "swiftshader" : "webgpu-default";
}
