import { dimEvaluate, dimFromJson } from "../../contracts/dims.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";

/** The sizes a summary runs at: `batch` sequences of `seq` positions. */
export interface RunSize {
  batch: number;
  seq: number;
}

/** Whether a dynamic dim plays the batch role: its name contains "batch", or is b, bs or bsz. */
export function isBatchSymbol(name: string): boolean {
  return /batch/i.test(name) || /^(b|bs|bsz)$/i.test(name);
}

/**
 * The value of every dynamic dim for one run: batch-like symbols take `batch`, every other
 * (seq, src_len, tgt_len, …) takes `seq`; none goes above its declared bound.
 */
export function symbolValues(ir: TypedIr, size: RunSize): Map<string, number> {
  const values = new Map<string, number>();
  for (const symbol of ir.symbols) {
    const wanted = isBatchSymbol(symbol.name) ? size.batch : size.seq;
    values.set(symbol.name, symbol.bound === null ? wanted : Math.min(wanted, symbol.bound));
  }
  return values;
}

/** Every tensor value's shape with its symbols evaluated; position biases (tables) are left out. */
export function evaluateShapes(
  ir: TypedIr,
  symbols: ReadonlyMap<string, number>,
): Map<number, number[]> {
  const shapes = new Map<number, number[]>();
  for (const value of ir.values) {
    if (value.kind !== "tensor") continue;
    shapes.set(
      value.id,
      value.shape.map((json) => {
        const dim = dimFromJson(json);
        const n = dim && dimEvaluate(dim, symbols);
        if (n === undefined)
          throw new Error(`value ${value.id}: cannot evaluate dim ${JSON.stringify(json)}`);
        return n;
      }),
    );
  }
  return shapes;
}

/** The number of elements of a shape. */
export function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The length of the longest hidden-state sequence: the largest axis 1 of any float
 * [batch, positions, width] value (197 for ViT-B/16, seq for a language model); 1 if none.
 */
export function longestSequence(ir: TypedIr, shapes: ReadonlyMap<number, number[]>): number {
  let longest = 1;
  for (const value of ir.values) {
    const shape = shapes.get(value.id);
    if (value.dtype === "float" && shape?.length === 3) longest = Math.max(longest, shape[1]!);
  }
  return longest;
}
