/** The reference reductions, slices and l2_normalize against values worked by hand. */
import { expect, it } from "vitest";
import { l2Normalize, reduceAxis, sliceAxis } from "../../src/runtime/reference/reductions.ts";

const x = { shape: [2, 2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6, -1, 0, 7, 2, 2, -9]) };

it("sum, mean and max over each axis, with and without keepdim", () => {
  expect(reduceAxis(x, 0, false, "sum")).toEqual({
    shape: [2, 3],
    data: Float64Array.from([0, 2, 10, 6, 7, -3]),
  });
  expect(reduceAxis(x, 1, true, "mean")).toEqual({
    shape: [2, 1, 3],
    data: Float64Array.from([2.5, 3.5, 4.5, 0.5, 1, -1]),
  });
  expect(reduceAxis(x, 2, false, "max")).toEqual({
    shape: [2, 2],
    data: Float64Array.from([3, 6, 7, 2]),
  });
});

it("l2_normalize divides each row by its norm, and by eps when the norm is smaller", () => {
  const rows = { shape: [3, 2], data: Float64Array.from([3, 4, 0, 0, 1e-13, 0]) };
  expect(Array.from(l2Normalize(rows, 1e-12).data)).toEqual([0.6, 0.8, 0, 0, 0.1, 0]);
});

it("slices one axis: from a start, to an end, to an end counted from the back", () => {
  expect(sliceAxis(x, 1, 1, null)).toEqual({
    shape: [2, 1, 3],
    data: Float64Array.from([4, 5, 6, 2, 2, -9]),
  });
  expect(sliceAxis(x, 2, 0, -1).data).toEqual(Float64Array.from([1, 2, 4, 5, -1, 0, 2, 2]));
  expect(() => sliceAxis(x, 2, 2, -1)).toThrow(RangeError);
});
