import type { LoadProgress } from "../api/device.ts";
import type { Io } from "./io.ts";

/** One phase of a command's run: what it was, how long it took, and a detail worth a number. */
interface Phase {
  name: string;
  milliseconds: number;
  detail?: string;
}

/**
 * Where a run's wall time went (`--verbose`), phase by phase: each `end(name)` closes the phase
 * that began where the previous one ended. The first phase, `start`, begins when the process
 * began (Node's performance.timeOrigin), so it counts Node's start and loading Loom's modules.
 * Disabled, it records nothing and prints nothing.
 */
export class Timeline {
  private readonly phases: Phase[] = [];
  private last = 0;
  private loading: { name: string; total: number } | undefined;

  constructor(private readonly enabled: boolean) {}

  /** Closes the current phase as `name`, now. */
  end(name: string, detail?: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    this.phases.push({ name, milliseconds: now - this.last, ...(detail ? { detail } : {}) });
    this.last = now;
  }

  /**
   * Wraps a load-progress callback so the phases of putting a model on the device are told
   * apart: the time before the first weight upload is `adapter` (the device, and the plan lowered
   * for it), the uploads are `weights`, the kernel compilation is `pipelines`, closed by
   * `endLoading()` once the model is on the device.
   */
  watchLoading(inner?: LoadProgress): LoadProgress | undefined {
    if (!this.enabled) return inner;
    return (name, done, total) => {
      if (name !== this.loading?.name) {
        if (this.loading) this.end(...describeLoading(this.loading));
        else this.end("adapter", "the device, and the kernel plan for it");
        this.loading = { name, total };
      }
      inner?.(name, done, total);
    };
  }

  /** Closes the last loading phase (see watchLoading). */
  endLoading(): void {
    if (this.loading) this.end(...describeLoading(this.loading));
    this.loading = undefined;
  }

  /** Writes the phases on stderr, one line each, and the total. */
  report(io: Io): void {
    if (!this.enabled) return;
    const width = Math.max(...this.phases.map((p) => p.name.length));
    const lines = this.phases.map(
      (p) =>
        `time: ${p.name.padEnd(width)} ${formatMs(p.milliseconds).padStart(9)}${p.detail ? `  ${p.detail}` : ""}`,
    );
    lines.push(`time: ${"total".padEnd(width)} ${formatMs(this.last).padStart(9)}`);
    io.stderr(`${lines.join("\n")}\n`);
  }
}

/** A loading phase's name and detail: "upload weights" → weights, "compile kernels" → pipelines. */
function describeLoading(phase: { name: string; total: number }): [string, string] {
  if (phase.name === "upload weights") return ["weights", `${phase.total} buffers uploaded`];
  if (phase.name === "compile kernels") return ["pipelines", `${phase.total} kernels compiled`];
  return [phase.name, `${phase.total} steps`];
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}
