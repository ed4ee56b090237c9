import { SourceSet } from "../source.ts";
import type { Diagnostic } from "./diagnostic.ts";

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

/**
 * Why a call could not do what was asked: a message, and the diagnostics behind it. The API's one
 * error type; it lives with the diagnostics so that the runtime (a GPU error) can throw it too.
 */
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
