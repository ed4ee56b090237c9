/**
 * The weight-map file (`<spec>.weightmap.json`, format `loom-weight-map/1`): rules that rename a
 * checkpoint's tensors, and reshape them, into the names and shapes of a layout Loom reads. The
 * schema is the format's reference; docs/weights.md ("Weight maps") explains it with examples.
 */
import { z } from "zod";
import { LAYOUTS } from "../layouts/map.ts";

/** The format string of this version of the map file. */
export const WEIGHT_MAP_FORMAT = "loom-weight-map/1";

const axis = z.int().nonnegative();

/** One step of a rule: exactly one of its keys. */
export const MapTransform = z
  .strictObject({
    /** Permutes the axes: output axis i is input axis `transpose[i]` ([1, 0] for a matrix). */
    transpose: z.array(axis).min(1).optional(),
    /** Drops axes of size 1 ([0, 1] turns a 1x1 kernel [1, 1, in, out] into [in, out]). */
    squeeze: z.array(axis).min(1).optional(),
    /** A new shape with the same element count, row-major; one entry may be -1 (inferred). */
    reshape: z.array(z.int().min(-1)).min(1).optional(),
    /** Cuts the tensor along `axis` into named parts, each its own tensor (`{part}` in `to`). */
    split: z
      .strictObject({
        axis,
        parts: z
          .array(z.string().regex(/^[\w.-]+$/, "a part is a name: letters, digits, _ . -"))
          .min(2),
        /** The parts' sizes along the axis; equal parts when absent. */
        sizes: z.array(z.int().positive()).optional(),
      })
      .optional(),
  })
  .refine((t) => Object.keys(t).length === 1, {
    message: "a transform has exactly one of transpose, squeeze, reshape, split",
  });
export type MapTransform = z.infer<typeof MapTransform>;

/** One rule: the tensors it matches, the name each becomes, and how its values change. */
export const MapRule = z
  .strictObject({
    /** A glob over the whole name: `*` is one name segment (no `.` or `/`), `**` any run. */
    from: z.string().min(1).optional(),
    /** A JavaScript regular expression over the whole name, with numbered or named groups. */
    regex: z.string().min(1).optional(),
    /** The new name: `{1}`, `{2}` (wildcards or groups), `{name}` (named groups), `{part}`. */
    to: z.string().min(1),
    transforms: z.array(MapTransform).optional(),
    comment: z.string().optional(),
  })
  .refine((r) => (r.from === undefined) !== (r.regex === undefined), {
    message: "a rule has exactly one of `from` (a glob) or `regex`",
  });
export type MapRule = z.infer<typeof MapRule>;

export const WeightMapFile = z.strictObject({
  format: z.literal(WEIGHT_MAP_FORMAT),
  /** The layout the renamed tensors are in (default loom: Loom full names). */
  layout: z.enum(LAYOUTS).optional(),
  /** What a tensor that binds to no weight is: an error, or a warning (the default). */
  unused: z.enum(["error", "warning"]).optional(),
  rules: z.array(MapRule).min(1),
  comment: z.string().optional(),
});
export type WeightMapFile = z.infer<typeof WeightMapFile>;
