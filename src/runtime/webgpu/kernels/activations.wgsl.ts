/**
 * Activation functions as WGSL snippets, shared by every kernel that fuses one into its epilogue.
 * They match the reference executor's `activations` (src/runtime/reference/math.ts) to f32
 * precision; WGSL has no erf, so exact GELU carries its own.
 */

/** The activations a kernel epilogue can apply; "none" is the identity. */
export type ActivationName = "none" | "gelu" | "gelu_tanh" | "relu" | "silu";

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  "none",
  "gelu",
  "gelu_tanh",
  "relu",
  "silu",
];

/** erf for f32: Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7 over the whole line. */
export const ERF_WGSL = `fn erf_f32(x: f32) -> f32 {
  // Abramowitz & Stegun 7.1.26: erf(a) ≈ 1 − t·P(t)·exp(−a²), t = 1 / (1 + p·a), |error| ≤ 1.5e-7
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-a * a));
}
`;

const BODIES: Record<Exclude<ActivationName, "none">, string> = {
  // gelu(v) = v/2 · (1 + erf(v/√2))
  gelu: `fn act_gelu(v: f32) -> f32 {
  return 0.5 * v * (1.0 + erf_f32(v * 0.7071067811865476));
}
`,
  // gelu_tanh(v) = v/2 · (1 + tanh(√(2/π) · (v + 0.044715 v³))); tanh's argument is clamped
  // because some drivers compute tanh through exp and return NaN for large arguments.
  gelu_tanh: `fn act_gelu_tanh(v: f32) -> f32 {
  let inner = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  return 0.5 * v * (1.0 + tanh(clamp(inner, -15.0, 15.0)));
}
`,
  relu: `fn act_relu(v: f32) -> f32 {
  return max(v, 0.0);
}
`,
  // silu(v) = v · sigmoid(v)
  silu: `fn act_silu(v: f32) -> f32 {
  return v / (1.0 + exp(-v));
}
`,
};

/** The WGSL functions a kernel applying `name` must declare ("" for none). */
export function activationWgsl(name: ActivationName): string {
  if (name === "none") return "";
  return name === "gelu" ? ERF_WGSL + BODIES.gelu : BODIES[name];
}

/** A WGSL expression applying `name` to the f32 expression `expr`. */
export function applyActivation(name: ActivationName, expr: string): string {
  return name === "none" ? expr : `act_${name}(${expr})`;
}
