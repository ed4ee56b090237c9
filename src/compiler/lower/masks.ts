/** Lowering of mask arithmetic: comparisons with a number and float(x). */
import type { TypedNode } from "../../contracts/ir/schema.ts";
import { compareKernel, toFloatKernel, type Comparator } from "../codegen/mask.ts";
import type { PlanBuilder } from "./builder.ts";
import { product } from "./reductions.ts";

/** x [...] → out [...] elementwise: `x cmp value` as a u32 mask, or float(x). */
export function lowerMask(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  const dtype = b.values.get(x)!.dtype;
  const kernel =
    node.op === "compare"
      ? compareKernel({
          dtype,
          cmp: node.attrs["cmp"] as Comparator,
          value: node.attrs["value"] as number,
        })
      : toFloatKernel(dtype);
  const count = product(b.shape(x));
  b.dispatch(kernel, [b.value(x, `value.${x}`), b.value(node.output, node.name)], { count }, [
    node,
  ]);
}
