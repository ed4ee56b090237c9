/** Loom's activations as ONNX ops (opset 17 has no Gelu: exact GELU is written with Erf). */
import type { OnnxGraph } from "./graph.ts";
import { Untranslatable } from "./context.ts";

/** act(x), elementwise. */
export function activate(g: OnnxGraph, act: string, x: string): string {
  switch (act) {
    case "gelu": {
      // 0.5 · x · (1 + erf(x / √2))
      const erf = g.op("Erf", [g.op("Mul", [x, g.scalar(Math.SQRT1_2)])]);
      return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5)]), g.op("Add", [erf, g.scalar(1)])]);
    }
    case "gelu_tanh": {
      // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
      const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
      const inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715)])]);
      const tanh = g.op("Tanh", [g.op("Mul", [inner, g.scalar(Math.sqrt(2 / Math.PI))])]);
      return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5)]), g.op("Add", [tanh, g.scalar(1)])]);
    }
    case "relu":
      return g.op("Relu", [x]);
    case "silu":
      return g.op("Mul", [x, g.op("Sigmoid", [x])]);
    case "tanh":
      return g.op("Tanh", [x]);
  }
  throw new Untranslatable(`the activation \`${act}\` has no ONNX translation`);
}
