import type { Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import { SourceSet } from "../contracts/source.ts";

/** What a LoomError carries beside its message. */
export interface LoomErrorDetails {
  /** The coded diagnostics; render them against `sources` with `renderPretty`. */
  diagnostics?: readonly Diagnostic[];
  sources?: SourceSet;
  /** A mistake in a spec, weights file or bundle ("errors", the default) or a wrong argument or missing file ("usage"). */
  kind?: "errors" | "usage";
  /** The diagnostic code when the message alone stands for one (e.g. E0508). */
  code?: string;
}

/** Why an API call could not do what was asked: a message, and the diagnostics behind it. */
export class LoomError extends Error {
  override readonly name = "LoomError";
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceSet;
  readonly kind: "errors" | "usage";
  readonly code: string | undefined;
  constructor(message: string, details: LoomErrorDetails = {}) {
    super(message);
    this.diagnostics = details.diagnostics ?? [];
    this.sources = details.sources ?? new SourceSet();
    this.kind = details.kind ?? "errors";
    this.code = details.code;
  }
}

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
