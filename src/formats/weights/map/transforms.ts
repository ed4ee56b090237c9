/**
 * A rule's transforms over a tensor: planned on shapes alone (to name and check what a rule
 * makes without reading values), then run on the values of the one part a weight needs.
 */
import type { MapTransform } from "./schema.ts";

/** A tensor as the transforms see it; `data` is absent while only shapes are planned. */
export interface Value {
  shape: number[];
  data?: Float64Array;
  /** The split part this value is, once a split has run. */
  part?: string;
}

/** What the transforms make of one tensor: its parts, or the step that cannot apply and why. */
export type Outcome = { values: Value[] } | { step: number; error: string };

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** Runs `transforms` in order; a split makes one value a part, later steps apply to each part. */
export function runTransforms(value: Value, transforms: readonly MapTransform[]): Outcome {
  let values = [value];
  for (const [step, t] of transforms.entries()) {
    const next: Value[] = [];
    for (const v of values) {
      const out = one(v, t);
      if (typeof out === "string") return { step, error: out };
      next.push(...out);
    }
    values = next;
  }
  return { values };
}

/** One transform of one value: the values it makes, or why it cannot apply. */
function one(v: Value, t: MapTransform): Value[] | string {
  const rank = v.shape.length;
  if (t.transpose) {
    const perm = t.transpose;
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || sorted.some((a, i) => a !== i))
      return `transpose ${fmt(perm)} is not a permutation of the ${rank} axes of ${fmt(v.shape)}`;
    return [
      {
        ...v,
        shape: perm.map((a) => v.shape[a]!),
        ...withData(v, (d) => permute(d, v.shape, perm)),
      },
    ];
  }
  if (t.squeeze) {
    const bad = t.squeeze.find((a) => a >= rank || v.shape[a] !== 1);
    if (bad !== undefined)
      return bad >= rank
        ? `squeeze axis ${bad} is past the ${rank} axes of ${fmt(v.shape)}`
        : `squeeze axis ${bad} of ${fmt(v.shape)} has size ${v.shape[bad]}, not 1`;
    return [{ ...v, shape: v.shape.filter((_, a) => !t.squeeze!.includes(a)) }];
  }
  if (t.reshape) return reshape(v, t.reshape);
  const split = t.split!;
  if (split.axis >= rank)
    return `split axis ${split.axis} is past the ${rank} axes of ${fmt(v.shape)}`;
  const length = v.shape[split.axis]!;
  const n = split.parts.length;
  if (split.sizes && split.sizes.length !== n)
    return `split gives ${split.sizes.length} sizes for ${n} parts`;
  if (!split.sizes && length % n !== 0)
    return `split axis ${split.axis} of ${fmt(v.shape)} (size ${length}) into ${n} equal parts`;
  const sizes = split.sizes ?? split.parts.map(() => length / n);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== length)
    return `split sizes ${fmt(sizes)} add up to ${total}, but axis ${split.axis} of ${fmt(v.shape)} has size ${length}`;
  let offset = 0;
  return split.parts.map((part, i) => {
    const start = offset;
    offset += sizes[i]!;
    const shape = v.shape.map((s, a) => (a === split.axis ? sizes[i]! : s));
    return { shape, part, ...withData(v, (d) => slice(d, v.shape, split.axis, start, sizes[i]!)) };
  });
}

function reshape(v: Value, dims: readonly number[]): Value[] | string {
  const count = v.shape.reduce((a, b) => a * b, 1);
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1) return `reshape ${fmt(dims)} has more than one -1`;
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = dims.map((d) => (d === -1 ? (known === 0 ? 0 : count / known) : d));
  if (shape.some((d) => !Number.isInteger(d)) || shape.reduce((a, b) => a * b, 1) !== count)
    return `reshape ${fmt(dims)} does not hold the ${count} elements of ${fmt(v.shape)}`;
  return [{ ...v, shape }];
}

function withData(v: Value, f: (data: Float64Array) => Float64Array): { data?: Float64Array } {
  return v.data ? { data: f(v.data) } : {};
}

/** Row-major strides of a shape. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) out[a] = out[a + 1]! * shape[a + 1]!;
  return out;
}

/** data [shape] → [shape[perm[0]], shape[perm[1]], …]. */
function permute(
  data: Float64Array,
  shape: readonly number[],
  perm: readonly number[],
): Float64Array {
  const inStrides = strides(shape);
  const outShape = perm.map((a) => shape[a]!);
  const out = new Float64Array(data.length);
  const index = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let a = 0; a < perm.length; a++) from += index[a]! * inStrides[perm[a]!]!;
    out[o] = data[from]!;
    for (let a = perm.length - 1; a >= 0; a--) {
      if (++index[a]! < outShape[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

/** data [..., shape[axis], ...] → [..., size, ...]: entries [start, start + size) of the axis. */
function slice(
  data: Float64Array,
  shape: readonly number[],
  axis: number,
  start: number,
  size: number,
): Float64Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const length = shape[axis]!;
  const out = new Float64Array(outer * size * inner);
  for (let o = 0; o < outer; o++)
    out.set(
      data.subarray((o * length + start) * inner, (o * length + start + size) * inner),
      o * size * inner,
    );
  return out;
}
