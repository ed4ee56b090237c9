/**
 * Deterministic inputs for a model, shared by the WebGPU end-to-end and differential tests.
 */
import { assembleInputs } from "../../src/api/inputs.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";

/** Deterministic inputs: token ids for int inputs (lengths 5 and 4), a wave for images, masks with one pad. */
export function inputsFor(ir: TypedIr): Record<string, Tensor> {
  const given: Record<string, Tensor> = {};
  const ints = ir.inputs.filter((i) => i.dtype === "int");
  ints.forEach((input, n) => {
    const length = n === 0 ? 5 : 4;
    const shared = ints.slice(0, n).find((other) => other.shape[1] === input.shape[1]);
    const embed = ir.nodes.find(
      (node) => node.op === "embed" && node.inputs["ids"] === input.value,
    );
    const vocab = Math.min(50, (embed?.attrs["vocab"] as number | undefined) ?? 50);
    const ids = Array.from({ length: shared ? 5 : length }, (_, i) => (7 * i + 3 * n + 1) % vocab);
    given[input.name] = { shape: [1, ids.length], data: Float64Array.from(ids) };
  });
  for (const input of ir.inputs.filter((i) => i.dtype === "float")) {
    const shape = input.shape.map((d) => (typeof d === "number" ? d : 1));
    const size = shape.reduce((a, b) => a * b, 1);
    given[input.name] = {
      shape,
      data: Float64Array.from({ length: size }, (_, k) => Math.sin(k * 0.37)),
    };
  }
  const all = assembleInputs(ir, given);
  for (const input of ir.inputs.filter((i) => i.dtype === "bool")) {
    const mask = all[input.name]!;
    mask.data[mask.data.length - 1] = 0;
  }
  return all;
}
