/** What an attention-map plan adds: which layers have maps and where they are kept. */
import type { KernelPlan } from "./schema.ts";

/** A layer whose maps the augmented plan computes. */
export interface AttentionMapLayer {
  /** The attention node's name, e.g. `h.0.attention`. */
  node: string;
  heads: number;
  /** The plan buffer holding its maps, [heads, maxLen, maxLen]. */
  buffer: string;
  maxLen: number;
}

export interface AttentionMapPlan {
  plan: KernelPlan;
  layers: AttentionMapLayer[];
  /** Attention layers without maps, and why. */
  skipped: { node: string; why: string }[];
}
