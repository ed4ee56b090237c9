/**
 * Position rows for a position add that is not fused into an embedding gather (the positions of
 * a normed or projected sequence, say): out[s] is the learned table's row past + s, or the
 * sinusoid at position past + s, for s < seq. The add then broadcasts them over the batch ("seq"
 * operand of binaryKernel).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constU32,
  declareBindings,
  flatKernel,
  flatMain,
  flatPrelude,
  type StorageDecl,
} from "./elementwise-wgsl.ts";
import { type EmbedPositions, sinusoidName, sinusoidWgsl } from "./embed.ts";

/** Learned or sinusoidal positions (an embedding's positions other than none). */
export type PositionRows = Exclude<EmbedPositions, { kind: "none" }>;

/**
 * Bindings: params {rows = seq, past}; positions [maxLen, d] (learned) or frequencies
 * [ceil(d/2), 3] (sinusoidal: the constant `sinusoidalFrequencies(d, base, timescales)`); out
 * [seq, d].
 * Dispatch: ceil(d·seq / 1024) workgroups. The runtime refuses a step that would pass the
 * sequence bound, which the checker holds within the table, so a learned row past the table is
 * never read (it would read as zeros).
 */
export function positionRowsKernel(options: { d: number; positions: PositionRows }): Kernel {
  const { d, positions } = options;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`positions d must be ≥ 1, got ${d}`);
  if (positions.kind === "learned" && !(Number.isInteger(positions.maxLen) && positions.maxLen > 0))
    throw new RangeError(`positions maxLen must be ≥ 1, got ${positions.maxLen}`);
  const params = [
    { name: "rows", value: "seq" },
    { name: "past", value: "past" },
  ];
  const source: StorageDecl =
    positions.kind === "learned"
      ? { name: "positions", access: "read", type: "f32", doc: "[MAX_LEN, D] position table" }
      : {
          name: "frequencies",
          access: "read",
          type: "f32",
          doc: "[ceil(D / 2), 3] base^(-2j/D) / 2pi split in hi, mid, lo (sinusoidalFrequencies)",
        };
  const { bindings, wgsl: decls } = declareBindings(params, [
    source,
    { name: "out", access: "read_write", type: "f32", doc: "[seq, D] rows at past + s" },
  ]);
  const value =
    positions.kind === "learned"
      ? "select(0.0, positions[min(position, MAX_LEN - 1u) * D + c], position < MAX_LEN)"
      : "sinusoid(position, c)";
  const name =
    positions.kind === "learned"
      ? `positions_learned${positions.maxLen}_d${d}`
      : `positions_${sinusoidName(positions)}_d${d}`;
  const wgsl = `// ${name}: out[s] = the ${positions.kind} position row at past + s, s < seq (params.rows).
${constU32("D", d, "model width")}
${positions.kind === "learned" ? `${constU32("MAX_LEN", positions.maxLen, "rows of the position table")}\n` : ""}${flatPrelude().join("\n")}

${decls}${positions.kind === "sinusoidal" ? sinusoidWgsl(positions.layout) : ""}
${flatMain(`      let position = params.past + r; // rows are the positions s < seq
      out[i] = ${value};`)}`;
  return flatKernel(name, wgsl, bindings, params, `${d} * seq`);
}
