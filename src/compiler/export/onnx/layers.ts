/** Each IR op as ONNX ops; shapes as the reference executor's (src/runtime/reference/ops.ts). */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import { sinusoidColumn, sinusoidFrequency, sinusoidOfAttrs } from "../../../contracts/sinusoid.ts";
import { activate } from "./activations.ts";
import { attention } from "./attention.ts";
import { binary, ELEMENTWISE } from "./elementwise.ts";
import { Untranslatable, type OnnxContext } from "./context.ts";
import { feedForward, mixture } from "./feed-forward.ts";

type Translate = (c: OnnxContext, node: TypedNode) => string;

/**
 * Sinusoidal positions [bound, width] as the node's attributes say (frequencies by base or by
 * timescales, interleaved or halves layout: src/contracts/sinusoid.ts, as the reference builds it).
 */
function sinusoidTable(bound: number, width: number, attrs: Record<string, unknown>): Float64Array {
  const settings = sinusoidOfAttrs(attrs);
  const out = new Float64Array(bound * width);
  for (let c = 0; c < width; c++) {
    const column = sinusoidColumn(settings.layout, width, c);
    if (!column) continue; // halves with an odd width: a zero column
    const f = sinusoidFrequency(settings, width, column.pair);
    for (let p = 0; p < bound; p++)
      out[p * width + c] = column.cos ? Math.cos(p * f) : Math.sin(p * f);
  }
  return out;
}

/** The first position of every batch row: [B, S, D] → [B, D]. */
const firstPosition = (c: OnnxContext, x: string) =>
  c.graph.op("Gather", [x, c.graph.ints([0], [])], { axis: 1 });

const unary =
  (act: string): Translate =>
  (c, node) =>
    activate(c.graph, act, c.input(node, "x"));

export const TRANSLATIONS: Readonly<Record<string, Translate>> = {
  embed: (c, node) => c.graph.op("Gather", [c.weight(node, "weight"), c.input(node, "ids")]), // [B, S, D]
  learned_positions: (c, node) => {
    const x = c.input(node, "x"); // [B, S, D]
    return c.leading(c.weight(node, "weight"), [0], [c.length(x, 1)]); // [S, D]
  },
  sinusoidal_positions: (c, node) => {
    const x = c.input(node, "x"); // [B, S, D]
    const bound = c.bound(node.inputs["x"]!, 1, `\`${node.name}\``);
    const width = Number(c.ir.values.find((v) => v.id === node.output)?.shape.at(-1));
    const table = sinusoidTable(bound, width, node.attrs);
    const name = c.graph.floats(c.graph.fresh(`${node.name}.table`), [bound, width], table);
    return c.leading(name, [0], [c.length(x, 1)]); // [S, D]
  },
  patch_embed: (c, node) => {
    const g = c.graph;
    const patch = Number(node.attrs["patch"]);
    const image = c.input(node, "image"); // [B, C, H, W]
    const conv = g.op("Conv", [image, c.weight(node, "weight"), c.weight(node, "bias")], {
      kernel_shape: [patch, patch],
      strides: [patch, patch],
    }); // [B, D, H/p, W/p]
    const flat = g.op("Reshape", [conv, g.ints([0, 0, -1])]); // [B, D, P]
    return g.op("Transpose", [flat], { perm: [0, 2, 1] }); // [B, P, D]
  },
  cls_token: (c, node) => {
    const g = c.graph;
    const x = c.input(node, "x"); // [B, S, D]
    const shape = g.op("Concat", [c.length(x, 0), g.ints([1, 1])], { axis: 0 });
    const cls = g.op("Expand", [c.weight(node, "weight"), shape]); // [B, 1, D]
    return g.op("Concat", [cls, x], { axis: 1 }); // [B, S + 1, D]
  },
  layernorm: (c, node) =>
    c.graph.op(
      "LayerNormalization",
      [
        c.input(node, "x"),
        c.weight(node, "weight"),
        ...(c.has(node, "bias") ? [c.weight(node, "bias")] : []),
      ],
      { axis: -1, epsilon: { float: Number(node.attrs["eps"]) } },
    ),
  rmsnorm: (c, node) => {
    const g = c.graph;
    const x = c.input(node, "x"); // [..., D]
    const meanSquare = g.op("ReduceMean", [g.op("Mul", [x, x])], { axes: [-1], keepdims: 1 });
    const inv = g.op("Reciprocal", [
      g.op("Sqrt", [g.op("Add", [meanSquare, g.scalar(Number(node.attrs["eps"]))])]),
    ]); // [..., 1]
    return g.op("Mul", [g.op("Mul", [x, inv]), c.weight(node, "weight")]);
  },
  attention: (c, node) => attention(c, node, biasOf(c, node)),
  cross_attention: (c, node) => attention(c, node, biasOf(c, node)),
  // A table read inside attention (biasOf); the value itself is no tensor.
  relative_position_bias: () => "",
  mlp: (c, node) => feedForward(c, node, c.input(node, "x"), ""),
  moe: (c, node) => mixture(c, node, c.input(node, "x")),
  linear: (c, node) => c.linear(c.input(node, "x"), node, ""),
  classifier: (c, node) => c.linear(c.input(node, "x"), node, ""),
  lm_head: (c, node) => c.linear(c.input(node, "x"), node, ""),
  pooler: (c, node) =>
    c.graph.op("Tanh", [c.linear(firstPosition(c, c.input(node, "x")), node, "dense.")]), // [B, D]
  cls_pool: (c, node) => firstPosition(c, c.input(node, "x")), // [B, D]
  mean_pool: (c, node) => {
    const g = c.graph;
    const x = c.input(node, "x"); // [B, S, D]
    const padding = c.optionalInput(node, "padding"); // [B, S]
    if (!padding) return g.op("ReduceMean", [x], { axes: [1], keepdims: 0 });
    const weight = g.op("Unsqueeze", [g.op("Cast", [padding], { to: 1 }), g.ints([-1])]); // [B, S, 1]
    const sum = g.op("ReduceSum", [g.op("Mul", [x, weight]), g.ints([1])], { keepdims: 0 }); // [B, D]
    const count = g.op("ReduceSum", [weight, g.ints([1])], { keepdims: 0 }); // [B, 1]
    return g.op("Div", [sum, g.op("Max", [count, g.scalar(1)])]);
  },
  add: binary("Add"),
  sub: binary("Sub"),
  mul: binary("Mul"),
  scale: (c, node) =>
    c.graph.op("Mul", [c.input(node, "x"), c.graph.scalar(Number(node.attrs["factor"]))]),
  gelu: unary("gelu"),
  gelu_tanh: unary("gelu_tanh"),
  relu: unary("relu"),
  silu: unary("silu"),
  tanh: unary("tanh"),
  softmax: (c, node) => c.graph.op("Softmax", [c.input(node, "x")], { axis: -1 }),
  ...ELEMENTWISE,
};

/** The relative_position_bias node whose table an attention reads, if any. */
function biasOf(c: OnnxContext, node: TypedNode): TypedNode | undefined {
  const id = node.inputs["position_bias"];
  if (id === undefined) return undefined;
  const producer = c.ir.nodes.find((n) => n.output === id);
  if (producer?.op !== "relative_position_bias")
    throw new Untranslatable("its position bias does not come from a relative_position_bias");
  return producer;
}
