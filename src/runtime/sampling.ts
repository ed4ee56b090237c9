import { Mulberry32 } from "../contracts/random.ts";

/** How the next token is chosen from a row of logits. */
export interface SamplingOptions {
  /** 0 (or absent) means greedy: the most likely token. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or absent: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or absent: all). */
  topP?: number;
  seed?: number;
}

/** The index of the largest value (the first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * The distribution sampling draws from: softmax(logits / temperature), cut to the top k, then to
 * the nucleus of mass p, renormalised. Returns [token, probability] pairs, most likely first.
 */
export function samplingDistribution(
  logits: ArrayLike<number>,
  options: SamplingOptions,
): [number, number][] {
  const temperature = options.temperature ?? 0;
  const order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => logits[b]! - logits[a]! || a - b,
  );
  const k = options.topK && options.topK > 0 ? Math.min(options.topK, order.length) : order.length;
  const kept = order.slice(0, k);
  const max = logits[kept[0]!]!;
  const weights = kept.map((i) => Math.exp((logits[i]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let probabilities = kept.map((token, i) => [token, weights[i]! / total] as [number, number]);
  const p = options.topP ?? 1;
  if (p < 1) {
    let mass = 0;
    const nucleus: [number, number][] = [];
    for (const entry of probabilities) {
      nucleus.push(entry);
      mass += entry[1];
      if (mass >= p) break;
    }
    probabilities = nucleus.map(([token, q]) => [token, q / mass]);
  }
  return probabilities;
}

/** Picks next tokens for one generation: greedy, or seeded sampling with temperature/top-k/top-p. */
export class Sampler {
  private readonly stream: Mulberry32;

  constructor(private readonly options: SamplingOptions = {}) {
    this.stream = new Mulberry32(options.seed ?? 0);
  }

  /** A uniform number in [0, 1). */
  private random(): number {
    return this.stream.nextU32() / 2 ** 32;
  }

  get greedy(): boolean {
    return !this.options.temperature || this.options.temperature <= 0;
  }

  next(logits: ArrayLike<number>): number {
    if (this.greedy) return argmax(logits);
    const distribution = samplingDistribution(logits, this.options);
    let u = this.random();
    for (const [token, probability] of distribution) {
      u -= probability;
      if (u < 0) return token;
    }
    return distribution[distribution.length - 1]![0];
  }
}
