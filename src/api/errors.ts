import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import { LoomError } from "../contracts/diagnostics/loom-error.ts";
import type { SourceSet } from "../contracts/source.ts";

export { LoomError, type LoomErrorDetails } from "../contracts/diagnostics/loom-error.ts";

/** A wrong argument or input value: the message says what to pass instead. */
export class InputError extends LoomError {
  constructor(message: string) {
    super(message, { kind: "usage" });
  }
}

/** Whether diagnostics hold an error (warnings alone let a call go on). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Throws a LoomError carrying `diagnostics` when any of them is an error. */
export function throwOnErrors(
  what: string,
  diagnostics: readonly Diagnostic[],
  sources: SourceSet,
  kind: "errors" | "usage" = "errors",
): void {
  if (!hasErrors(diagnostics)) return;
  const first = diagnostics.find((d) => d.severity === "error")!;
  throw new LoomError(`${what}: ${first.code} ${first.message}`, { diagnostics, sources, kind });
}
