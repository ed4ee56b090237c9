import { z } from "zod";

/** The packed weight formats (src/contracts/weight-format.ts). */
export const PackedFormatSchema = z.enum(["f16", "q8", "q4"]);

/**
 * The kernel plan: what `lower` and `fuse` produce from the typed IR and what a bundle stores.
 * Kernels are generated WGSL with their bindings; steps are dispatches in order; buffers are the
 * memory the steps bind, with lifetimes so activations can share storage. Printed by
 * `loom check --emit plan-json` (as text, one line a step: `--emit plan`); validated with this
 * schema whenever a bundle is loaded.
 */

/** A runtime size: a dim expression over runtime sizes ("rows", "past + seq") or a number. */
export const SizeExpr = z.union([z.string().min(1), z.number().int().nonnegative()]);

export const DispatchAxis = z.union([
  z.number().int().nonnegative(),
  z.object({ expr: SizeExpr, divisor: z.number().int().positive() }),
]);

export const KernelSchema = z.object({
  name: z.string().min(1),
  wgsl: z.string().min(1),
  entryPoint: z.string().min(1),
  bindings: z.array(
    z.object({
      name: z.string(),
      access: z.enum(["read", "read_write", "uniform"]),
      /** A packed weight the kernel unpacks as it reads (src/contracts/weight-format.ts). */
      format: PackedFormatSchema.optional(),
    }),
  ),
  workgroupSize: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  workgroupStorageBytes: z.number().int().nonnegative(),
  dispatch: z.tuple([DispatchAxis, DispatchAxis, DispatchAxis]),
  params: z.array(z.object({ name: z.string(), value: SizeExpr })),
});

export const BufferKind = z.enum([
  "weight",
  "constant",
  "input",
  "output",
  "activation",
  "kv_cache",
  "scratch",
]);

export const PlanBuffer = z.object({
  id: z.number().int().nonnegative(),
  name: z.string(),
  kind: BufferKind,
  dtype: z.enum(["f32", "u32"]),
  /** Elements, as a size expression (at the bounds for activations; the runtime allocates the max). */
  elements: SizeExpr,
  /** Elements at the largest runtime sizes (the sequence bounds): what is allocated. */
  maxElements: z.number().int().nonnegative(),
  /** For weights: the tensors (Loom names) concatenated in this order, e.g. q, k, v for a fused QKV. */
  weights: z.array(z.string()).optional(),
  /**
   * For weights packed in a format (dtype u32, `elements` counting words): every tensor's rows
   * packed in it (src/contracts/weight-format.ts); absent: f32.
   */
  format: PackedFormatSchema.optional(),
  /** For constants: the values, computed at compile time (e.g. sinusoid frequencies). */
  data: z.array(z.number()).optional(),
  /** Index of the first and last step that touch it (activations); memory is shared by lifetime. */
  lifetime: z.tuple([z.number().int(), z.number().int()]).optional(),
  /** The storage slot it shares with other buffers whose lifetimes do not overlap. */
  slot: z.number().int().nonnegative().optional(),
});

export const PlanStep = z.object({
  kernel: z.string(),
  /** The kernel's size names (rows, seq, past, keys, batch…) as expressions over runtime sizes. */
  sizes: z.record(z.string(), SizeExpr),
  /** Prefill steps run when several positions are new, decode steps when one is. */
  when: z.enum(["always", "prefill", "decode"]),
  /** Buffer ids in the kernel's binding order (the params uniform excluded). */
  buffers: z.array(z.number().int().nonnegative()),
  /** A generation head: runs only when the runtime reads this back (greedy id or top-k candidates). */
  readback: z.enum(["next-token", "top-k"]).optional(),
  /** The IR node(s) this dispatch computes. */
  nodes: z.array(z.string()),
  /** When it runs: once for the encoder, or on every forward step. */
  phase: z.enum(["encoder", "step"]),
});

/** How the plan names its runtime sizes: the batch, the decoder's and the encoder's sequence. */
export const RuntimeSizes = z.object({
  batch: z.string(),
  /** The step input's sequence symbol: positions fed this step. */
  step: z.string().nullable(),
  /** The encoder's sequence symbol (encoder-decoder models). */
  encoder: z.string().nullable(),
  /** Largest value of each runtime size, for allocation. */
  max: z.record(z.string(), z.number().int().positive()),
});

export const KernelPlan = z.object({
  sizes: RuntimeSizes,
  kernels: z.array(KernelSchema),
  buffers: z.array(PlanBuffer),
  steps: z.array(PlanStep),
  /** The input that grows while decoding, and the output holding the logits, when it can generate. */
  generation: z
    .object({ stepInput: z.string(), logitsOutput: z.string(), vocab: z.number().int().positive() })
    .nullable(),
});
export type KernelPlan = z.infer<typeof KernelPlan>;
