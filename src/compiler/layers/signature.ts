/** How a built-in layer is called: its parameters, their kinds and defaults. */

export type ParamKind =
  /** A float tensor (or, for `ids`, an int tensor). */
  | "tensor"
  /** A static positive integer: a width, a count. */
  | "dim"
  /** Any number: eps, theta, a scale. */
  | "number"
  | "bool"
  /** One bare name out of `values`. */
  | "enum"
  /** A bare name that sets a boolean: `causal`. Also accepts `causal = true`. */
  | "flag"
  /** The label of another layer (`as wte`), for weight tying. */
  | "label"
  /** `rope(theta = 10000)`: rotary positions applied to queries and keys. */
  | "rope"
  /** A relative_position_bias(...) value shared across layers. */
  | "position_bias"
  /** An axis of the operand: a dim's name (`seq`) or an integer index (`1`, `-1`). */
  | "axis";

export type Scalar = number | string | boolean | null;

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  /** Whether a positional argument can fill it (in the order listed). */
  positional?: boolean;
  /** Required when no default exists; a `null` default means "derived from the shapes". */
  default?: Scalar;
  required?: boolean;
  values?: readonly string[];
  doc: string;
}

export interface LayerSignature {
  /** The name written in a spec. */
  name: string;
  /** The IR operation it elaborates to (aliases like swiglu map to mlp). */
  op: string;
  /** Attributes an alias fixes, e.g. swiglu fixes act = swiglu. */
  fixed?: Record<string, Scalar>;
  params: readonly ParamSpec[];
  /** The output's element type when it is not x's (`float(mask)` gives floats). */
  dtype?: "float";
  doc: string;
  example: string;
}
