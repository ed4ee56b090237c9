/**
 * The seeded deterministic initialiser (GPT-2 style): every matrix, embedding, position table,
 * patch kernel, [CLS] token, router and relative position bias ~ N(0, 0.02²); norm weights 1;
 * biases 0. Each tensor draws from its own stream seeded by (seed, full name) (see random.ts), so
 * the same seed gives the same bytes on every machine and a tensor's values do not depend on
 * which other weights the spec has.
 */
import type { TypedIr } from "../../contracts/ir/schema.ts";
import { sizeOf, type Tensor } from "../../contracts/tensor.ts";
import { declaredWeights, type DeclaredWeight } from "./declared.ts";
import { NormalStream, tensorSeed } from "../../contracts/random.ts";

/** The standard deviation of the normal initialisation. */
export const INIT_STD = 0.02;

/** How one weight is initialised. */
export type InitRule = { kind: "normal"; std: number } | { kind: "constant"; value: number };

const NORMS = new Set(["layernorm", "rmsnorm"]);

/** The rule for one declared weight: norm scales 1, biases 0, everything else N(0, 0.02²). */
export function initRule(weight: DeclaredWeight): InitRule {
  const leaf = weight.weight.name.slice(weight.weight.name.lastIndexOf(".") + 1);
  if (leaf === "bias") return { kind: "constant", value: 0 };
  if (NORMS.has(weight.node.op) && leaf === "weight") return { kind: "constant", value: 1 };
  return { kind: "normal", std: INIT_STD };
}

/** A seed must be an unsigned 32-bit integer. */
export function isSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff;
}

/**
 * The values of one weight in chunks of at most `chunk` elements, in row-major order. Chunking
 * changes nothing about the values; it lets a writer stream a 7B-parameter model.
 */
export function* initChunks(
  seed: number,
  weight: DeclaredWeight,
  chunk = 1 << 20,
): Generator<Float64Array> {
  if (!isSeed(seed)) throw new RangeError(`seed ${seed} is not an integer in [0, 2^32)`);
  const rule = initRule(weight);
  const stream =
    rule.kind === "normal" ? new NormalStream(tensorSeed(seed, weight.name)) : undefined;
  let left = sizeOf(weight.shape);
  while (left > 0) {
    const values = new Float64Array(Math.min(chunk, left));
    if (rule.kind === "constant") values.fill(rule.value);
    else for (let i = 0; i < values.length; i++) values[i] = rule.std * stream!.next();
    left -= values.length;
    yield values;
  }
}

/** Every weight of the spec, initialised from `seed` (an unsigned 32-bit integer). */
export function initWeights(ir: TypedIr, seed: number): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  for (const weight of declaredWeights(ir)) {
    const data = new Float64Array(sizeOf(weight.shape));
    let at = 0;
    for (const values of initChunks(seed, weight, Math.max(1, data.length))) {
      data.set(values, at);
      at += values.length;
    }
    weights.set(weight.name, { shape: [...weight.shape], data });
  }
  return weights;
}

/** How `loom weights init` fills the weights, recorded in the file's metadata. */
export const INIT_DESCRIPTION =
  "loom-init-v1: N(0, 0.02^2) matrices and embeddings, norm weights 1, biases 0; mulberry32 per tensor seeded by (seed, name), Box-Muller (polar)";
