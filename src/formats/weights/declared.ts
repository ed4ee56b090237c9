import type { TypedIr, TypedNode, Weight } from "../../contracts/ir/schema.ts";

/** One weight a spec declares: its full name (`<node>.<weight>`), shape and owning node. */
export interface DeclaredWeight {
  /** `${node.name}.${weight.name}`, the key of the weight map the executor reads. */
  name: string;
  shape: number[];
  node: TypedNode;
  weight: Weight;
}

/** Every weight the typed IR declares, in node order (tied nodes declare none of their own). */
export function declaredWeights(ir: TypedIr): DeclaredWeight[] {
  return ir.nodes.flatMap((node) =>
    node.weights.map((weight) => ({
      name: `${node.name}.${weight.name}`,
      shape: [...weight.shape],
      node,
      weight,
    })),
  );
}
