import type { Tensor } from "../../contracts/tensor.ts";
import { linear } from "./linear.ts";
import { softmaxInPlace } from "./math.ts";

/** Keys and values seen so far by one attention layer: [B, T, KV, hd] each, T growing. */
export interface KvCache {
  keys: Float64Array[];
  values: Float64Array[];
  /** Positions cached per batch row (T). */
  length: number;
}

export interface AttentionConfig {
  heads: number;
  kvHeads: number;
  headDim: number;
  causal: boolean;
  scale: number;
  /** RoPE base, or null for none (rotate-half convention, as Hugging Face Llama). */
  ropeTheta: number | null;
  /** Told each query's attention probabilities over the keys (attention maps). */
  probe?: AttentionProbe;
}

/** Hears one query's softmax over the keys: batch row, query position, head, probabilities. */
export type AttentionProbe = (
  batch: number,
  queryPosition: number,
  head: number,
  probabilities: Float64Array,
) => void;

export interface AttentionWeights {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  o: Tensor;
  qBias?: Tensor;
  kBias?: Tensor;
  vBias?: Tensor;
  oBias?: Tensor;
}

/** A bias added to the score of query position q and key position k for head h. */
export type ScoreBias = (head: number, queryPosition: number, keyPosition: number) => number;

/**
 * Rotates channel pairs (i, i + hd/2) of each head by angle pos · theta^(−2i/hd), in place.
 * data: [B, S, heads, hd]; the position of row s is offset + s.
 */
export function applyRope(
  data: Float64Array,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  theta: number,
  offset: number,
): void {
  const half = headDim / 2;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const position = offset + s;
      for (let h = 0; h < heads; h++) {
        const base = ((b * seq + s) * heads + h) * headDim;
        for (let i = 0; i < half; i++) {
          const angle = position * Math.pow(theta, (-2 * i) / headDim);
          const cos = Math.cos(angle);
          const sin = Math.sin(angle);
          const x1 = data[base + i]!;
          const x2 = data[base + i + half]!;
          data[base + i] = x1 * cos - x2 * sin;
          data[base + i + half] = x2 * cos + x1 * sin;
        }
      }
    }
  }
}

/** Appends new keys or values [B, S, KV·hd] to a per-batch-row list of [T, KV·hd] arrays. */
function append(
  rows: Float64Array[],
  fresh: Float64Array,
  batch: number,
  seq: number,
  width: number,
): void {
  for (let b = 0; b < batch; b++) {
    const old = rows[b] ?? new Float64Array(0);
    const grown = new Float64Array(old.length + seq * width);
    grown.set(old);
    grown.set(fresh.subarray(b * seq * width, (b + 1) * seq * width), old.length);
    rows[b] = grown;
  }
}

/**
 * Scaled dot-product attention with its projections, the readable way: scores for every
 * (query, key) pair, masks, softmax, weighted sum. x: [B, S, D] queries at positions
 * queryOffset + s; source: [B, Sk, Dk] for new keys (undefined when a cross-attention cache is full);
 * padding: [B, T] (1 = real key) over all T keys; returns [B, S, D].
 */
export function attention(
  x: Tensor,
  source: Tensor | undefined,
  weights: AttentionWeights,
  config: AttentionConfig,
  cache: KvCache,
  queryOffset: number,
  padding?: Tensor,
  scoreBias?: ScoreBias,
): Tensor {
  const [batch, seq] = x.shape as [number, number, number];
  const { heads, kvHeads, headDim, ropeTheta } = config;
  const kvWidth = kvHeads * headDim;

  const q = linear(x, weights.q, weights.qBias); // [B, S, H·hd]
  if (ropeTheta !== null) applyRope(q.data, batch, seq, heads, headDim, ropeTheta, queryOffset);
  if (source) {
    const sourceSeq = source.shape[1]!;
    const k = linear(source, weights.k, weights.kBias); // [B, Sk, KV·hd]
    const v = linear(source, weights.v, weights.vBias); // [B, Sk, KV·hd]
    if (ropeTheta !== null)
      applyRope(k.data, batch, sourceSeq, kvHeads, headDim, ropeTheta, cache.length);
    append(cache.keys, k.data, batch, sourceSeq, kvWidth);
    append(cache.values, v.data, batch, sourceSeq, kvWidth);
    cache.length += sourceSeq;
  }
  const keyCount = cache.length;
  const group = heads / kvHeads;
  const context = new Float64Array(batch * seq * heads * headDim); // [B, S, H, hd]
  const scores = new Float64Array(keyCount);
  for (let b = 0; b < batch; b++) {
    const keys = cache.keys[b]!;
    const values = cache.values[b]!;
    for (let s = 0; s < seq; s++) {
      const queryPosition = queryOffset + s;
      for (let h = 0; h < heads; h++) {
        const kvHead = Math.floor(h / group);
        const qBase = ((b * seq + s) * heads + h) * headDim;
        for (let t = 0; t < keyCount; t++) {
          const masked =
            (config.causal && t > queryPosition) ||
            (padding !== undefined && padding.data[b * padding.shape[1]! + t] === 0);
          if (masked) {
            scores[t] = -Infinity;
            continue;
          }
          const kBase = t * kvWidth + kvHead * headDim;
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q.data[qBase + i]! * keys[kBase + i]!;
          scores[t] = dot * config.scale + (scoreBias ? scoreBias(h, queryPosition, t) : 0);
        }
        softmaxInPlace(scores, 0, keyCount);
        config.probe?.(b, queryPosition, h, scores.slice(0, keyCount));
        for (let t = 0; t < keyCount; t++) {
          const p = scores[t]!;
          if (p === 0) continue;
          const vBase = t * kvWidth + kvHead * headDim;
          for (let i = 0; i < headDim; i++)
            context[qBase + i] = context[qBase + i]! + p * values[vBase + i]!;
        }
      }
    }
  }
  return linear({ shape: [batch, seq, heads * headDim], data: context }, weights.o, weights.oBias);
}
