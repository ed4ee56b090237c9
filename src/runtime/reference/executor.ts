import type { TypedIr, TypedNode } from "../../contracts/ir/schema.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import type { AttentionProbe, KvCache } from "./attention.ts";
import { isTensor, OPS, type OpContext, type PositionBias, type Value } from "./ops.ts";

/** Weights by full name (`h.0.attention.q.weight`), as float64 tensors. */
export type WeightMap = ReadonlyMap<string, Tensor>;

/**
 * Decoding state: how many positions of the step input have been processed, each attention
 * layer's KV cache, and the values that do not depend on the step input (the encoder's output).
 */
export interface DecodeState {
  offset: number;
  caches: Map<number, KvCache>;
  fixed: Map<number, Value>;
}

export function newDecodeState(): DecodeState {
  return { offset: 0, caches: new Map(), fixed: new Map() };
}

/**
 * The CPU reference executor: runs a typed IR node by node in plain TypeScript with float64
 * accumulation. It is the oracle every WebGPU kernel is checked against.
 */
export class ReferenceExecutor {
  /** Value ids that change from one decode step to the next (they depend on the step input). */
  private readonly stepDependent = new Set<number>();
  /** Hears every attention node's probabilities (by node name) while set: attention maps. */
  attentionProbe?: (node: string, ...args: Parameters<AttentionProbe>) => void;

  constructor(
    readonly ir: TypedIr,
    private readonly weights: WeightMap,
    /** The input that grows during generation (the decoder's tokens), if any. */
    readonly stepInput?: string,
  ) {
    const step = ir.inputs.find((i) => i.name === stepInput);
    if (step) this.stepDependent.add(step.value);
    for (const node of ir.nodes) {
      if (Object.values(node.inputs).some((id) => this.stepDependent.has(id)))
        this.stepDependent.add(node.output);
    }
  }

  /**
   * Runs the model. Without `state`, a plain forward pass over whole inputs. With `state`, the step
   * input holds only the new positions; caches and the encoder's values are reused and updated.
   */
  run(inputs: Readonly<Record<string, Tensor>>, state?: DecodeState): Record<string, Tensor> {
    const values = new Map<number, Value>();
    for (const input of this.ir.inputs) {
      const given = inputs[input.name];
      if (!given) throw new RangeError(`input \`${input.name}\` was not given`);
      values.set(input.value, given);
    }
    const decoding = state ?? newDecodeState();
    const newPositions = this.newPositionCount(inputs);
    for (const node of this.ir.nodes) {
      const reusable =
        state && !this.stepDependent.has(node.output) && decoding.fixed.has(node.output);
      if (reusable) {
        values.set(node.output, decoding.fixed.get(node.output)!);
        continue;
      }
      const value = OPS[node.op]!(this.context(node, values, decoding));
      values.set(node.output, value);
      if (state && !this.stepDependent.has(node.output)) decoding.fixed.set(node.output, value);
    }
    if (state) decoding.offset += newPositions;
    const outputs: Record<string, Tensor> = {};
    for (const output of this.ir.outputs) {
      const value = values.get(output.value)!;
      if (isTensor(value)) outputs[output.name] = value;
    }
    return outputs;
  }

  private newPositionCount(inputs: Readonly<Record<string, Tensor>>): number {
    const step = this.stepInput ? inputs[this.stepInput] : undefined;
    return step ? (step.shape[1] ?? 0) : 0;
  }

  private context(node: TypedNode, values: Map<number, Value>, state: DecodeState): OpContext {
    const get = (role: string): Value | undefined => {
      const id = node.inputs[role];
      return id === undefined ? undefined : values.get(id);
    };
    const weightName = (name: string) =>
      node.tiedTo && name === "weight" ? `${node.tiedTo}.weight` : `${node.name}.${name}`;
    let cache = state.caches.get(node.id);
    const cacheFull = cache !== undefined && node.op === "cross_attention";
    if (!cache) {
      cache = { keys: [], values: [], length: 0 };
      state.caches.set(node.id, cache);
    }
    return {
      node,
      input: (role) => {
        const value = get(role);
        if (!value || !isTensor(value))
          throw new RangeError(`${node.name}: input \`${role}\` is missing`);
        return value;
      },
      optionalInput: (role) => {
        const value = get(role);
        return value && isTensor(value) ? value : undefined;
      },
      positionBias: () => get("position_bias") as PositionBias | undefined,
      weight: (name) => {
        const w = this.weights.get(weightName(name));
        if (!w) throw new RangeError(`weight \`${weightName(name)}\` is missing`);
        return w;
      },
      optionalWeight: (name) => this.weights.get(weightName(name)),
      offset: this.stepDependent.has(node.output) ? state.offset : 0,
      cache,
      cacheFull,
      ...(this.attentionProbe
        ? { attentionProbe: this.attentionProbe.bind(undefined, node.name) }
        : {}),
    };
  }
}
