/**
 * Sentence embeddings and ranking by cosine similarity: a model with one token input
 * [batch, seq], an optional bool padding mask of the same shape, and one [batch, width] output
 * (specs/tiny-sentence-encoder.loom) embeds texts in batches through a forward function (WebGPU
 * or the CPU reference). A model that does not fit is a RangeError saying what it lacks.
 */
import type { TypedIr } from "../contracts/ir/schema.ts";
import type { Tensor } from "../contracts/tensor.ts";
import type { Tokenizer } from "./tokenizers/tokenizer.ts";

/** How a model takes a batch of texts and gives one vector each. */
export interface EmbeddingSignature {
  tokens: string;
  /** The bool [batch, seq] input, true at real tokens; absent when the model has none. */
  mask?: string;
  output: string;
  /** Longest sequence and largest batch the model takes (its bounds). */
  maxTokens: number;
  maxBatch: number;
}

/** One forward pass: inputs by name to outputs by name. */
export type Forward = (inputs: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

/** The embeddings, one unit-length vector per text, and which texts were cut to fit. */
export interface Embeddings {
  vectors: Float32Array[];
  /** Indices of the texts longer than the model's sequence bound, cut to it. */
  truncated: number[];
  maxTokens: number;
}

/** One ranked candidate: its index among the candidates and its cosine similarity. */
export interface Ranked {
  index: number;
  score: number;
}

/** The model's embedding inputs and output, or a RangeError saying what it lacks. */
export function embeddingSignature(
  ir: TypedIr,
  options: { output?: string; maxBatch?: number } = {},
): EmbeddingSignature {
  const ints = ir.inputs.filter((i) => i.dtype === "int" && i.shape.length === 2);
  const masks = ir.inputs.filter((i) => i.dtype === "bool" && i.shape.length === 2);
  if (ints.length !== 1 || ir.inputs.length !== ints.length + masks.length || masks.length > 1)
    throw new RangeError(
      `model \`${ir.model}\` cannot embed texts: it needs one int [batch, seq] token input and at most one bool [batch, seq] mask, and has ${describeInputs(ir)}`,
    );
  const vectors = ir.outputs.filter((o) => valueRank(ir, o.value) === 2);
  const output = options.output
    ? vectors.find((o) => o.name === options.output)
    : vectors.length === 1
      ? vectors[0]
      : undefined;
  if (!output)
    throw new RangeError(
      options.output
        ? `model \`${ir.model}\` has no [batch, width] output \`${options.output}\`; it has ${vectors.map((o) => `\`${o.name}\``).join(", ") || "none"}`
        : `model \`${ir.model}\` has ${vectors.length} [batch, width] outputs; name one (output)`,
    );
  const bound = (dim: unknown) =>
    typeof dim === "number" ? dim : (ir.symbols.find((s) => s.name === dim)?.bound ?? 1);
  const [batch, seq] = ints[0]!.shape;
  return {
    tokens: ints[0]!.name,
    ...(masks[0] ? { mask: masks[0].name } : {}),
    output: output.name,
    maxTokens: bound(seq),
    maxBatch: Math.min(options.maxBatch ?? Infinity, bound(batch)),
  };
}

function valueRank(ir: TypedIr, value: number): number {
  return ir.values.find((v) => v.id === value)?.shape.length ?? 0;
}

function describeInputs(ir: TypedIr): string {
  return ir.inputs.map((i) => `${i.name}: ${i.dtype}[${i.shape.join(", ")}]`).join(", ");
}

/**
 * Embeds `texts` through the tokenizer, in batches of at most `signature.maxBatch` (padded, with
 * the mask telling real tokens; one at a time when the model has no mask, since padding would
 * change the embedding), each text cut to the sequence bound (and listed in `truncated`); every
 * vector is scaled to unit length.
 */
export async function embedTexts(
  signature: EmbeddingSignature,
  tokenizer: Tokenizer,
  texts: readonly string[],
  forward: Forward,
): Promise<Embeddings> {
  const perBatch = signature.mask ? signature.maxBatch : 1;
  const truncated: number[] = [];
  const ids = texts.map((text, i) => {
    const all = tokenizer.encode(text);
    if (all.length <= signature.maxTokens) return all;
    truncated.push(i);
    // Keep the last id (BERT's [SEP]) where the tokenizer ends sequences with one.
    return [...all.slice(0, signature.maxTokens - 1), all[all.length - 1]!];
  });
  const vectors: Float32Array[] = [];
  for (let start = 0; start < ids.length; start += perBatch) {
    const batch = ids.slice(start, start + perBatch);
    const out = (await forward(batchInputs(signature, batch)))[signature.output]!;
    const width = out.shape[1]!;
    for (let b = 0; b < batch.length; b++)
      vectors.push(unitLength(out.data.subarray(b * width, (b + 1) * width)));
  }
  return { vectors, truncated, maxTokens: signature.maxTokens };
}

/** Token ids [batch, longest] padded with 0, and the mask, true at real tokens. */
function batchInputs(signature: EmbeddingSignature, batch: number[][]): Record<string, Tensor> {
  const width = Math.max(...batch.map((ids) => ids.length));
  const tokens = new Float64Array(batch.length * width);
  const mask = new Float64Array(batch.length * width);
  batch.forEach((ids, b) =>
    ids.forEach((id, s) => {
      tokens[b * width + s] = id;
      mask[b * width + s] = 1;
    }),
  );
  const shape = [batch.length, width];
  return {
    [signature.tokens]: { shape, data: tokens },
    ...(signature.mask ? { [signature.mask]: { shape: [...shape], data: mask } } : {}),
  };
}

function unitLength(values: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < values.length; i++) norm += values[i]! * values[i]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(values, (v) => v * scale);
}

/** Candidates by cosine similarity to the query, highest first (ties by index); unit vectors in. */
export function rankBySimilarity(
  query: Float32Array,
  candidates: readonly Float32Array[],
): Ranked[] {
  return candidates
    .map((vector, index) => {
      let score = 0;
      for (let i = 0; i < query.length; i++) score += query[i]! * vector[i]!;
      return { index, score };
    })
    .sort((a, b) => b.score - a.score || a.index - b.index);
}
