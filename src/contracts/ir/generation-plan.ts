import type { TypedIr } from "./schema.ts";

/** Which input grows during generation and which output holds the next-token logits. */
export interface GenerationPlan {
  /** The int input decoded token by token (the decoder's tokens). */
  stepInput: string;
  /** The output whose last axis is the vocabulary. */
  logitsOutput: string;
  /** Size of that last axis. */
  vocab: number;
  /** Inputs that stay fixed while decoding (an encoder's source, masks). */
  fixedInputs: string[];
}

/** Works out how to generate with a model, or says why it cannot. */
export function generationPlan(ir: TypedIr): GenerationPlan | { error: string } {
  const dependsOn = new Map<number, Set<number>>();
  for (const input of ir.inputs) dependsOn.set(input.value, new Set([input.value]));
  const causalInputs = new Set<number>();
  const encoderInputs = new Set<number>();
  for (const node of ir.nodes) {
    const deps = new Set<number>();
    for (const id of Object.values(node.inputs))
      for (const d of dependsOn.get(id) ?? []) deps.add(d);
    dependsOn.set(node.output, deps);
    if (node.op === "attention" && node.attrs["causal"] === true) {
      for (const d of dependsOn.get(node.inputs["x"]!) ?? []) causalInputs.add(d);
    }
    if (node.op === "cross_attention") {
      for (const d of dependsOn.get(node.inputs["memory"]!) ?? []) encoderInputs.add(d);
    }
  }
  // The decoder's tokens reach a causal attention; an encoder's reach it only through memory.
  const step = ir.inputs.find(
    (i) => i.dtype === "int" && causalInputs.has(i.value) && !encoderInputs.has(i.value),
  );
  if (!step) {
    return {
      error: `model \`${ir.model}\` has no causal self-attention over an int input, so it cannot generate text; use \`loom run\` for a forward pass`,
    };
  }
  const values = new Map(ir.values.map((v) => [v.id, v]));
  const logits = ir.outputs.find((o) => {
    const deps = dependsOn.get(o.value);
    const shape = values.get(o.value)?.shape ?? [];
    return deps?.has(step.value) && shape.length === 3 && typeof shape[2] === "number";
  });
  if (!logits) {
    return {
      error: `model \`${ir.model}\` has no [batch, seq, vocab] output that depends on \`${step.name}\`, so there are no next-token logits to sample from`,
    };
  }
  const vocab = values.get(logits.value)!.shape[2] as number;
  return {
    stepInput: step.name,
    logitsOutput: logits.name,
    vocab,
    fixedInputs: ir.inputs.filter((i) => i.name !== step.name).map((i) => i.name),
  };
}
