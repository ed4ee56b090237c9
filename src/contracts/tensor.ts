/** A dense row-major tensor of float64 values (ids and masks are stored as 0/1 or integers). */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function zeros(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

export function tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  if (values.length !== sizeOf(shape)) {
    throw new RangeError(
      `tensor of shape [${shape.join(", ")}] needs ${sizeOf(shape)} values, got ${values.length}`,
    );
  }
  return { shape: [...shape], data: Float64Array.from(values) };
}

/** Row-major strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = step;
    step *= shape[i]!;
  }
  return out;
}
