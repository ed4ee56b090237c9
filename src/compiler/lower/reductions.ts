/** Lowering of the reductions (sum, mean, max over one axis), slices and l2_normalize. */
import type { TypedNode } from "../../contracts/ir/schema.ts";
import { dimConst, dimMul, formatDim, type Dim } from "../../contracts/dims.ts";
import { l2NormalizeKernel } from "../codegen/l2-normalize.ts";
import { reduceKernel, sliceKernel, type ReduceOp } from "../codegen/reduce.ts";
import type { PlanBuilder } from "./builder.ts";

/** The product of some axes as a size expression ("batch * seq", "64"). */
export function product(dims: readonly Dim[]): string {
  return formatDim(dims.reduce((a, b) => dimMul(a, b), dimConst(1)));
}

/** x [outer, n, inner] → out [outer, inner] (the layout is the same with or without keepdim). */
export function lowerReduction(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  const shape = b.shape(x);
  const axis = node.attrs["axis"] as number;
  b.dispatch(
    reduceKernel(node.op as ReduceOp),
    [b.value(x, `value.${x}`), b.value(node.output, node.name)],
    {
      outer: product(shape.slice(0, axis)),
      n: formatDim(shape[axis]!),
      inner: product(shape.slice(axis + 1)),
    },
    [node],
  );
}

/** x [outer, n, inner] → out [outer, kept, inner], positions start.. of the axis. */
export function lowerSlice(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  const shape = b.shape(x);
  const axis = node.attrs["axis"] as number;
  b.dispatch(
    sliceKernel(node.attrs["start"] as number),
    [b.value(x, `value.${x}`), b.value(node.output, node.name)],
    {
      outer: product(shape.slice(0, axis)),
      n: formatDim(shape[axis]!),
      kept: formatDim(b.shape(node.output)[axis]!),
      inner: product(shape.slice(axis + 1)),
    },
    [node],
  );
}

/** x [rows, d] → rows of unit length. */
export function lowerL2Normalize(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  b.dispatch(
    l2NormalizeKernel({ d: b.width(x), eps: node.attrs["eps"] as number }),
    [b.value(x, `value.${x}`), b.value(node.output, node.name)],
    { rows: b.rows(x) },
    [node],
  );
}
