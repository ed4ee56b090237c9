import type { TypedIr } from "../../../contracts/ir/schema.ts";
import { declaredWeights } from "../declared.ts";
import type { LayoutMap } from "./map.ts";

/** The loom layout: each weight under its own full name and shape, as `loom weights init` writes. */
export function loomMap(ir: TypedIr): LayoutMap {
  return {
    layout: "loom",
    bindings: declaredWeights(ir).map((w) => ({
      loom: w.name,
      shape: w.shape,
      node: w.node,
      file: w.name,
      alternatives: [],
      fileShape: w.shape,
      convert: (data) => data,
    })),
    tiedCopies: [],
    ignore: [],
  };
}
