import type { TypedIr } from "../../contracts/ir/schema.ts";
import { forwardFlops } from "./flops.ts";
import { activationBytes, kvCacheBytes } from "./memory.ts";
import { type Components, countParameters } from "./parameters.ts";
import {
  evaluateShapes,
  isBatchSymbol,
  longestSequence,
  type RunSize,
  symbolValues,
} from "./shapes.ts";

/** What `loom summary` reports for one model; this is also its `--json` object. */
export interface ModelSummary {
  model: string;
  /** Learned parameters; a tied table is counted once. */
  parameters: number;
  components: Components;
  /** Forward FLOPs per token at `seq` (conventions: see flops.ts). */
  flopsPerToken: number;
  /** The weights stored as f32 and as f16. */
  weightBytes: { f32: number; f16: number };
  /** f32 K/V cache for `batch` sequences of `seq` (see memory.ts). */
  kvCacheBytes: number;
  /** f32 peak of live activations for `batch` × `seq`, attention scores included (see memory.ts). */
  activationBytes: number;
  batch: number;
  seq: number;
}

/** The default `seq` is the model's sequence bound, capped here so summaries stay comparable. */
export const DEFAULT_SEQ_CAP = 2048;

/**
 * The `seq` a summary uses when none is given: the largest bound of the model's sequence dims,
 * at most DEFAULT_SEQ_CAP (which is also the value when a sequence dim has no bound); for a
 * model without sequence dims (a ViT), the length of its longest hidden-state sequence.
 */
export function defaultSeq(ir: TypedIr): number {
  const sequences = ir.symbols.filter((s) => !isBatchSymbol(s.name));
  if (sequences.length === 0)
    return longestSequence(ir, evaluateShapes(ir, symbolValues(ir, { batch: 1, seq: 1 })));
  if (sequences.some((s) => s.bound === null)) return DEFAULT_SEQ_CAP;
  return Math.min(DEFAULT_SEQ_CAP, Math.max(...sequences.map((s) => s.bound!)));
}

/**
 * Parameters, FLOPs per token and memory of a checked model run on `batch` sequences of
 * `seq` positions (batch-like dims take `batch`, every other dynamic dim `seq`, each capped at
 * its bound).
 */
export function summarize(ir: TypedIr, size: RunSize): ModelSummary {
  for (const [name, n] of Object.entries(size)) {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`summary ${name} must be a positive integer, got ${n}`);
  }
  const { parameters, components } = countParameters(ir);

  const oneSequence = evaluateShapes(ir, symbolValues(ir, { batch: 1, seq: size.seq }));
  const flopsPerToken = forwardFlops(ir, oneSequence) / longestSequence(ir, oneSequence);

  const run = evaluateShapes(ir, symbolValues(ir, size));
  return {
    model: ir.model,
    parameters,
    components,
    flopsPerToken,
    weightBytes: { f32: parameters * 4, f16: parameters * 2 },
    kvCacheBytes: kvCacheBytes(ir, run),
    activationBytes: activationBytes(ir, run),
    batch: size.batch,
    seq: size.seq,
  };
}
