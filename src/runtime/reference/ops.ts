import { alibiSlope } from "../../contracts/alibi.ts";
import { sinusoidColumn, sinusoidFrequency, sinusoidOfAttrs } from "../../contracts/sinusoid.ts";
import { relativePositionBucket } from "../../contracts/position-buckets.ts";
import type { TypedNode } from "../../contracts/ir/schema.ts";
import { sizeOf, zeros, type Tensor } from "../../contracts/tensor.ts";
import {
  attention,
  type AttentionProbe,
  type AttentionWeights,
  type KvCache,
  type ScoreBias,
} from "./attention.ts";
import { broadcastBinary, linear, map } from "./linear.ts";
import { activations, softmaxInPlace } from "./math.ts";
import { layerNorm, rmsNorm } from "./norms.ts";
import { l2Normalize, reduceAxis, sliceAxis, type Reduction } from "./reductions.ts";

/** A relative_position_bias value: its table and bucketing, applied inside attention. */
export interface PositionBias {
  table: Tensor; // [buckets, heads]
  buckets: number;
  maxDistance: number;
  bidirectional: boolean;
}

export type Value = Tensor | PositionBias;

export function isTensor(value: Value): value is Tensor {
  return "data" in value;
}

/** What an op may read when it runs. */
export interface OpContext {
  node: TypedNode;
  input(role: string): Tensor;
  optionalInput(role: string): Tensor | undefined;
  positionBias(): PositionBias | undefined;
  weight(name: string): Tensor;
  optionalWeight(name: string): Tensor | undefined;
  /** Position of the first new token (0 without a KV cache). */
  offset: number;
  /** This node's KV cache (attention only). */
  cache: KvCache;
  /** Whether the cache already holds this cross-attention's keys (the encoder ran before). */
  cacheFull: boolean;
  /** Hears this attention node's probabilities, when someone asked for them. */
  attentionProbe?: AttentionProbe;
}

const attr = (ctx: OpContext, name: string) => ctx.node.attrs[name];
const numberAttr = (ctx: OpContext, name: string) => attr(ctx, name) as number;

function gatherRows(table: Tensor, ids: Tensor): Tensor {
  const width = table.shape[1]!;
  const out = new Float64Array(ids.data.length * width);
  ids.data.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= table.shape[0]!) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${table.shape[0]! - 1}]`);
    }
    out.set(table.data.subarray(id * width, (id + 1) * width), i * width);
  });
  return { shape: [...ids.shape, width], data: out };
}

function feedForward(ctx: OpContext, x: Tensor, prefix: string, act: string): Tensor {
  const bias = (name: string) => ctx.optionalWeight(`${prefix}${name}.bias`);
  const up = linear(x, ctx.weight(`${prefix}up.weight`), bias("up")); // [..., hidden]
  let hidden: Tensor;
  if (act === "swiglu" || act === "geglu") {
    const gate = linear(x, ctx.weight(`${prefix}gate.weight`), bias("gate")); // [..., hidden]
    const f = activations[act === "swiglu" ? "silu" : "gelu"]!;
    hidden = { shape: up.shape, data: up.data.map((u, i) => f(gate.data[i]!) * u) };
  } else {
    hidden = map(up, activations[act]!);
  }
  return linear(hidden, ctx.weight(`${prefix}down.weight`), bias("down")); // [..., out]
}

function attentionWeights(ctx: OpContext): AttentionWeights {
  const w = (name: string) => ctx.weight(`${name}.weight`);
  const b = (name: string) => ctx.optionalWeight(`${name}.bias`);
  return {
    q: w("q"),
    k: w("k"),
    v: w("v"),
    o: w("o"),
    qBias: b("q"),
    kBias: b("k"),
    vBias: b("v"),
    oBias: b("o"),
  };
}

function scoreBias(bias: PositionBias | undefined): ScoreBias | undefined {
  if (!bias) return undefined;
  const heads = bias.table.shape[1]!;
  return (h, q, k) =>
    bias.table.data[
      relativePositionBucket(k - q, bias.bidirectional, bias.buckets, bias.maxDistance) * heads + h
    ]!;
}

/** ALiBi's bias of head h: −slope_h · |q − k| (causal layers see only k ≤ q: −slope_h · (q − k)). */
function alibiBias(heads: number): ScoreBias {
  const slopes = Array.from({ length: heads }, (_, h) => alibiSlope(h, heads));
  return (h, q, k) => -slopes[h]! * Math.abs(q - k);
}

function runAttention(ctx: OpContext): Tensor {
  const cross = ctx.node.op === "cross_attention";
  const x = ctx.input("x"); // [B, S, D]
  const source = cross ? (ctx.cacheFull ? undefined : ctx.input("memory")) : x;
  const rope = attr(ctx, "rope");
  return attention(
    x,
    source,
    attentionWeights(ctx),
    {
      heads: numberAttr(ctx, "heads"),
      kvHeads: numberAttr(ctx, "kv_heads"),
      headDim: numberAttr(ctx, "head_dim"),
      causal: attr(ctx, "causal") === true,
      scale: numberAttr(ctx, "scale"),
      ropeTheta: cross || typeof rope !== "number" ? null : rope,
      ...(ctx.attentionProbe ? { probe: ctx.attentionProbe } : {}),
    },
    ctx.cache,
    cross ? 0 : ctx.offset,
    ctx.optionalInput("padding"),
    attr(ctx, "alibi") === true
      ? alibiBias(numberAttr(ctx, "heads"))
      : scoreBias(ctx.positionBias()),
  );
}

function moe(ctx: OpContext): Tensor {
  const x = ctx.input("x"); // [..., D]
  const d = x.shape[x.shape.length - 1]!;
  const experts = numberAttr(ctx, "experts");
  const topK = numberAttr(ctx, "top_k");
  const act = attr(ctx, "act") as string;
  const logits = linear(x, ctx.weight("router.weight")); // [..., E]
  const rows = sizeOf(x.shape) / d;
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const row: Tensor = { shape: [1, d], data: x.data.slice(r * d, (r + 1) * d) };
    const scores = logits.data.slice(r * experts, (r + 1) * experts);
    const chosen = [...scores.keys()]
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, topK);
    const gates = Float64Array.from(chosen.map((e) => scores[e]!));
    softmaxInPlace(gates, 0, topK); // softmax over the chosen logits = renormalised top-k probabilities
    chosen.forEach((e, i) => {
      const y = feedForward(ctx, row, `experts.${e}.`, act);
      for (let j = 0; j < d; j++) out[r * d + j] = out[r * d + j]! + gates[i]! * y.data[j]!;
    });
    if (attr(ctx, "shared_hidden") !== null) {
      const y = feedForward(ctx, row, "shared.", act);
      for (let j = 0; j < d; j++) out[r * d + j] = out[r * d + j]! + y.data[j]!;
    }
  }
  return { shape: [...x.shape], data: out };
}

function positions(ctx: OpContext, row: (position: number, out: Float64Array) => void): Tensor {
  const x = ctx.input("x"); // [B, S, D]
  const [, seq, width] = x.shape as [number, number, number];
  const out = new Float64Array(seq * width);
  for (let s = 0; s < seq; s++) row(ctx.offset + s, out.subarray(s * width, (s + 1) * width));
  return { shape: [seq, width], data: out }; // [S, D]
}

function patchEmbed(ctx: OpContext): Tensor {
  const image = ctx.input("image"); // [B, C, H, W]
  const [batch, channels, height, width] = image.shape as [number, number, number, number];
  const patch = numberAttr(ctx, "patch");
  const weight = ctx.weight("weight"); // [D, C, p, p]
  const bias = ctx.weight("bias"); // [D]
  const d = weight.shape[0]!;
  const across = width / patch;
  const patches = (height / patch) * across;
  const out = new Float64Array(batch * patches * d); // [B, P, D]
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < patches; p++) {
      const top = Math.floor(p / across) * patch;
      const left = (p % across) * patch;
      for (let o = 0; o < d; o++) {
        let sum = bias.data[o]!;
        for (let c = 0; c < channels; c++) {
          for (let y = 0; y < patch; y++) {
            for (let xx = 0; xx < patch; xx++) {
              const pixel =
                image.data[((b * channels + c) * height + top + y) * width + left + xx]!;
              sum += pixel * weight.data[((o * channels + c) * patch + y) * patch + xx]!;
            }
          }
        }
        out[(b * patches + p) * d + o] = sum;
      }
    }
  }
  return { shape: [batch, patches, d], data: out };
}

function pool(x: Tensor, pick: (b: number, out: Float64Array) => void): Tensor {
  const [batch, , width] = x.shape as [number, number, number];
  const out = new Float64Array(batch * width);
  for (let b = 0; b < batch; b++) pick(b, out.subarray(b * width, (b + 1) * width));
  return { shape: [batch, width], data: out }; // [B, D]
}

function clsPool(x: Tensor): Tensor {
  const [, seq, width] = x.shape as [number, number, number];
  return pool(x, (b, out) => out.set(x.data.subarray(b * seq * width, b * seq * width + width)));
}

function meanPool(x: Tensor, padding: Tensor | undefined): Tensor {
  const [, seq, width] = x.shape as [number, number, number];
  return pool(x, (b, out) => {
    let count = 0;
    for (let s = 0; s < seq; s++) {
      if (padding && padding.data[b * seq + s] === 0) continue;
      count++;
      for (let i = 0; i < width; i++) out[i] = out[i]! + x.data[(b * seq + s) * width + i]!;
    }
    for (let i = 0; i < width; i++) out[i] = out[i]! / Math.max(count, 1);
  });
}

function binary(f: (a: number, b: number) => number) {
  return (ctx: OpContext) =>
    broadcastBinary(ctx.input("a"), ctx.input("b"), f, attr(ctx, "align") === "left");
}

/** x ⊙ value as 1 (true) or 0 (false), for `x != 0` and the other comparisons. */
function comparator(cmp: string, value: number): (x: number) => number {
  const test: Record<string, (x: number) => boolean> = {
    "==": (x) => x === value,
    "!=": (x) => x !== value,
    "<": (x) => x < value,
    "<=": (x) => x <= value,
    ">": (x) => x > value,
    ">=": (x) => x >= value,
  };
  return (x) => (test[cmp]!(x) ? 1 : 0);
}

function reduction(op: Reduction) {
  return (ctx: OpContext) =>
    reduceAxis(ctx.input("x"), numberAttr(ctx, "axis"), attr(ctx, "keepdim") === true, op);
}

/** The reference implementation of every IR op. */
export const OPS: Record<string, (ctx: OpContext) => Value> = {
  embed: (ctx) => gatherRows(ctx.weight("weight"), ctx.input("ids")),
  learned_positions: (ctx) => {
    const table = ctx.weight("weight"); // [max_len, D]
    const width = table.shape[1]!;
    return positions(ctx, (position, out) => {
      if (position >= table.shape[0]!)
        throw new RangeError(
          `position ${position} is beyond the ${table.shape[0]}-row position table`,
        );
      out.set(table.data.subarray(position * width, (position + 1) * width));
    });
  },
  sinusoidal_positions: (ctx) => {
    const sinusoid = sinusoidOfAttrs(ctx.node.attrs);
    return positions(ctx, (position, out) => {
      const d = out.length;
      for (let c = 0; c < d; c++) {
        const column = sinusoidColumn(sinusoid.layout, d, c);
        if (!column) continue; // the zero column of an odd width in halves
        const angle = position * sinusoidFrequency(sinusoid, d, column.pair);
        out[c] = column.cos ? Math.cos(angle) : Math.sin(angle);
      }
    });
  },
  patch_embed: patchEmbed,
  cls_token: (ctx) => {
    const x = ctx.input("x"); // [B, S, D]
    const [batch, seq, width] = x.shape as [number, number, number];
    const cls = ctx.weight("weight").data; // [1, 1, D]
    const out = zeros([batch, seq + 1, width]); // [B, S + 1, D]
    for (let b = 0; b < batch; b++) {
      out.data.set(cls, b * (seq + 1) * width);
      out.data.set(
        x.data.subarray(b * seq * width, (b + 1) * seq * width),
        (b * (seq + 1) + 1) * width,
      );
    }
    return out;
  },
  layernorm: (ctx) =>
    layerNorm(
      ctx.input("x"),
      numberAttr(ctx, "eps"),
      ctx.weight("weight"),
      ctx.optionalWeight("bias"),
    ),
  rmsnorm: (ctx) => rmsNorm(ctx.input("x"), numberAttr(ctx, "eps"), ctx.weight("weight")),
  attention: runAttention,
  cross_attention: runAttention,
  relative_position_bias: (ctx) => ({
    table: ctx.weight("weight"),
    buckets: numberAttr(ctx, "buckets"),
    maxDistance: numberAttr(ctx, "max_distance"),
    bidirectional: attr(ctx, "bidirectional") === true,
  }),
  mlp: (ctx) => feedForward(ctx, ctx.input("x"), "", attr(ctx, "act") as string),
  moe,
  linear: (ctx) => linear(ctx.input("x"), ctx.weight("weight"), ctx.optionalWeight("bias")),
  classifier: (ctx) => linear(ctx.input("x"), ctx.weight("weight"), ctx.optionalWeight("bias")),
  lm_head: (ctx) => linear(ctx.input("x"), ctx.weight("weight"), ctx.optionalWeight("bias")),
  pooler: (ctx) =>
    map(
      linear(clsPool(ctx.input("x")), ctx.weight("dense.weight"), ctx.weight("dense.bias")),
      Math.tanh,
    ),
  cls_pool: (ctx) => clsPool(ctx.input("x")),
  mean_pool: (ctx) => meanPool(ctx.input("x"), ctx.optionalInput("padding")),
  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: binary((a, b) => a * b),
  div: binary((a, b) => a / b),
  compare: (ctx) =>
    map(ctx.input("x"), comparator(attr(ctx, "cmp") as string, numberAttr(ctx, "value"))),
  to_float: (ctx) => map(ctx.input("x"), (v) => v),
  scale: (ctx) => map(ctx.input("x"), (v) => v * numberAttr(ctx, "factor")),
  gelu: (ctx) => map(ctx.input("x"), activations["gelu"]!),
  gelu_tanh: (ctx) => map(ctx.input("x"), activations["gelu_tanh"]!),
  relu: (ctx) => map(ctx.input("x"), activations["relu"]!),
  silu: (ctx) => map(ctx.input("x"), activations["silu"]!),
  tanh: (ctx) => map(ctx.input("x"), Math.tanh),
  softmax: (ctx) => {
    const x = ctx.input("x");
    const out = { shape: [...x.shape], data: Float64Array.from(x.data) };
    const width = x.shape[x.shape.length - 1]!;
    for (let offset = 0; offset < out.data.length; offset += width)
      softmaxInPlace(out.data, offset, width);
    return out;
  },
  l2_normalize: (ctx) => l2Normalize(ctx.input("x"), numberAttr(ctx, "eps")),
  sum: reduction("sum"),
  mean: reduction("mean"),
  max: reduction("max"),
  slice: (ctx) =>
    sliceAxis(
      ctx.input("x"),
      numberAttr(ctx, "axis"),
      numberAttr(ctx, "start"),
      attr(ctx, "end") as number | null,
    ),
};
