/**
 * The language's mask arithmetic, reductions and slices as ONNX ops, as the reference executor
 * computes them (src/runtime/reference/ops.ts, reductions.ts): comparisons with a number,
 * float(), binary ops with NumPy's broadcast or the left-aligned one of a [batch, seq] mask over
 * [batch, seq, d], l2_normalize, sum / mean / max over one axis, slice.
 */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import type { OnnxContext } from "./context.ts";

type Translate = (c: OnnxContext, node: TypedNode) => string;

/** ONNX's float32 element type (TensorProto.FLOAT) and int64 (INT64). */
const FLOAT = 1;
const INT64 = 7;

/** The IR dtype and rank of a node's operand. */
function operand(c: OnnxContext, node: TypedNode, role: string) {
  const value = c.ir.values.find((v) => v.id === node.inputs[role]);
  return { dtype: value?.dtype ?? "float", rank: value?.shape.length ?? 0 };
}

/**
 * a op b; with `align: "left"` (set by the checker when one shape is the leading axes of the
 * other) the shorter operand gets trailing axes of 1 first, so ONNX's NumPy broadcast spreads it
 * over the other's trailing axes.
 */
export const binary =
  (type: string): Translate =>
  (c, node) => {
    let a = c.input(node, "a");
    let b = c.input(node, "b");
    if (node.attrs["align"] === "left") {
      const ra = operand(c, node, "a").rank;
      const rb = operand(c, node, "b").rank;
      const trailing = (from: number, to: number) =>
        c.graph.ints(Array.from({ length: to - from }, (_, i) => from + i));
      if (ra < rb) a = c.graph.op("Unsqueeze", [a, trailing(ra, rb)]);
      if (rb < ra) b = c.graph.op("Unsqueeze", [b, trailing(rb, ra)]);
    }
    return c.graph.op(type, [a, b]);
  };

/** `x cmp value` → bool; ints (and bools, as 0 / 1) compare in int64 when the value is whole. */
const compare: Translate = (c, node) => {
  const g = c.graph;
  const value = Number(node.attrs["value"]);
  const { dtype } = operand(c, node, "x");
  let x = c.input(node, "x");
  let constant: string;
  if (dtype !== "float" && Number.isInteger(value)) {
    if (dtype === "bool") x = g.op("Cast", [x], { to: INT64 });
    constant = g.ints([value], []);
  } else {
    if (dtype !== "float") x = g.op("Cast", [x], { to: FLOAT });
    constant = g.scalar(value);
  }
  const of = (type: string) => g.op(type, [x, constant]);
  switch (node.attrs["cmp"]) {
    case "==":
      return of("Equal");
    case "!=":
      return g.op("Not", [of("Equal")]);
    case "<":
      return of("Less");
    case "<=":
      return of("LessOrEqual");
    case ">":
      return of("Greater");
    default:
      return of("GreaterOrEqual");
  }
};

/** A reduction over the node's axis, kept (size 1) or dropped as `keepdim` says. */
const reduce =
  (type: "ReduceSum" | "ReduceMean" | "ReduceMax"): Translate =>
  (c, node) => {
    const axis = Number(node.attrs["axis"]);
    const keepdims = node.attrs["keepdim"] === true ? 1 : 0;
    const x = c.input(node, "x");
    // Opset 17: ReduceSum takes its axes as an input, the others as an attribute.
    return type === "ReduceSum"
      ? c.graph.op(type, [x, c.graph.ints([axis])], { keepdims })
      : c.graph.op(type, [x], { axes: [axis], keepdims });
  };

export const ELEMENTWISE: Readonly<Record<string, Translate>> = {
  compare,
  to_float: (c, node) => c.graph.op("Cast", [c.input(node, "x")], { to: FLOAT }),
  div: binary("Div"),
  // x / max(‖x‖₂, eps) over the last axis, as torch.nn.functional.normalize.
  l2_normalize: (c, node) => {
    const g = c.graph;
    const x = c.input(node, "x"); // [..., d]
    const norm = g.op("ReduceL2", [x], { axes: [-1], keepdims: 1 }); // [..., 1]
    return g.op("Div", [x, g.op("Max", [norm, g.scalar(Number(node.attrs["eps"]))])]);
  },
  sum: reduce("ReduceSum"),
  mean: reduce("ReduceMean"),
  max: reduce("ReduceMax"),
  // Positions start ≤ k < end of the axis; a negative end counts from the back, none is the end.
  slice: (c, node) => {
    const g = c.graph;
    const end = node.attrs["end"];
    return g.op("Slice", [
      c.input(node, "x"),
      g.ints([Number(node.attrs["start"])]),
      g.ints([typeof end === "number" ? end : Number.MAX_SAFE_INTEGER]),
      g.ints([Number(node.attrs["axis"])]),
    ]);
  },
};
