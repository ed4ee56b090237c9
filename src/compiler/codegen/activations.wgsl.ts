/**
 * The activations a matmul epilogue can apply, over the shared WGSL activation functions of
 * elementwise-wgsl.ts (one erf, one tanh for every kernel). They match the reference executor's
 * `activations` (src/runtime/reference/math.ts) to f32 precision.
 */
import { activationCall, activationsWgsl } from "./elementwise-wgsl.ts";

/** The activations a kernel epilogue can apply; "none" is the identity. */
export type ActivationName = "none" | "gelu" | "gelu_tanh" | "relu" | "silu";

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  "none",
  "gelu",
  "gelu_tanh",
  "relu",
  "silu",
];

/** The WGSL functions a kernel applying `name` must declare ("" for none). */
export function activationWgsl(name: ActivationName): string {
  return name === "none" ? "" : activationsWgsl();
}

/** A WGSL expression applying `name` to the f32 expression `expr`. */
export function applyActivation(name: ActivationName, expr: string): string {
  return name === "none" ? expr : activationCall(name, expr);
}
