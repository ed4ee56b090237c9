/** MLPs and mixtures of experts as ONNX ops. x: [..., D] throughout. */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import { activate } from "./activations.ts";
import type { OnnxContext } from "./context.ts";

/** down(act(up(x))), or down(act(gate(x)) · up(x)) for swiglu / geglu; weights under `prefix`. */
export function feedForward(c: OnnxContext, node: TypedNode, x: string, prefix: string): string {
  const g = c.graph;
  const act = String(node.attrs["act"]);
  const up = c.linear(x, node, `${prefix}up.`); // [..., hidden]
  const hidden =
    act === "swiglu" || act === "geglu"
      ? g.op("Mul", [
          activate(g, act === "swiglu" ? "silu" : "gelu", c.linear(x, node, `${prefix}gate.`)),
          up,
        ])
      : activate(g, act, up);
  return c.linear(hidden, node, `${prefix}down.`); // [..., D]
}

/**
 * A mixture of experts: the router's top-k logits, softmaxed, weight the chosen experts. Every
 * expert is computed and multiplied by its gate, which is 0 for the experts not chosen, so the
 * sum is the same as running the chosen ones only (ties go to the lower index, as in TopK).
 */
export function mixture(c: OnnxContext, node: TypedNode, x: string): string {
  const g = c.graph;
  const experts = Number(node.attrs["experts"]);
  const topK = Number(node.attrs["top_k"]);
  const logits = c.linear(x, node, "router."); // [..., E]
  const [values, indices] = g.opMulti("TopK", [logits, g.ints([topK])], 2, { axis: -1 }); // [..., k]
  const gates = g.op("Softmax", [values!], { axis: -1 }); // [..., k]
  const zeros = g.op("Mul", [logits, g.scalar(0)]);
  const dense = g.op("ScatterElements", [zeros, indices!, gates], { axis: -1 }); // [..., E]
  let sum: string | undefined;
  for (let e = 0; e < experts; e++) {
    const gate = g.op("Slice", [dense, g.ints([e]), g.ints([e + 1]), g.ints([-1])]); // [..., 1]
    const y = g.op("Mul", [feedForward(c, node, x, `experts.${e}.`), gate]);
    sum = sum === undefined ? y : g.op("Add", [sum, y]);
  }
  if (node.attrs["shared_hidden"] !== null && node.attrs["shared_hidden"] !== undefined)
    sum = g.op("Add", [sum!, feedForward(c, node, x, "shared.")]);
  return sum!;
}
