/**
 * GPU errors as coded diagnostics (E0801–E0806), so none is swallowed and no result of failed
 * work is returned: error scopes around the work Loom gives a device, the device's
 * `uncapturederror` events and its loss (recorded, so the next call rejects), and readbacks whose
 * mapping fails. Each becomes a LoomError that says what Loom was doing (which plan step and
 * kernel) and quotes what the GPU said.
 */
import type { Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { LoomError } from "../../contracts/diagnostics/loom-error.ts";

export type GpuErrorCode = "E0801" | "E0802" | "E0803" | "E0804" | "E0805" | "E0806";

const REPORT =
  "this is a bug in Loom or a bundle edited by hand, not your spec: please report it with the spec and the adapter (the model still runs on the CPU reference with `--backend cpu`)";

const HINTS: Record<GpuErrorCode, string> = {
  E0801: REPORT,
  E0802:
    "lower the sequence bound or the batch (they size the buffers), close other programs using the GPU, or run with `--backend cpu`",
  E0803:
    "run again; if it persists, update the GPU driver or the browser, or run with `--backend cpu`",
  E0804:
    "put the model on a device again (in a browser, reload the page); if the driver timed out, a shorter sequence or a smaller model helps",
  E0805: REPORT,
  E0806: "run again; if it persists, report it with the adapter, and use `--backend cpu` meanwhile",
};

/** GPU diagnostics point at the device, not at spec text. */
const SPAN = { file: "<webgpu>", start: 0, end: 0 };

/** A LoomError carrying one GPU diagnostic; `notes` are the GPU's own context lines. */
export function gpuError(code: GpuErrorCode, message: string, notes: string[] = []): LoomError {
  const diagnostic: Diagnostic = {
    code,
    severity: "error",
    message,
    span: SPAN,
    notes,
    hint: HINTS[code],
  };
  return new LoomError(`${code} ${message}`, { diagnostics: [diagnostic], code });
}

/** What the GPU said: its first line for the message, its " - While …" lines as notes. */
function quote(text: string): { said: string; context: string[] } {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return {
    said: (lines[0] ?? "(no message)").replace(/\.$/, ""),
    context: lines.slice(1).map((line) => `the GPU: ${line.replace(/^- /, "")}`),
  };
}

const CODE_OF: Record<GPUErrorFilter, GpuErrorCode> = {
  validation: "E0801",
  "out-of-memory": "E0802",
  internal: "E0803",
};

const KIND_OF: Record<GPUErrorFilter, string> = {
  validation: "validation error",
  "out-of-memory": "out of memory",
  internal: "internal error",
};

/** A GPU error: a scope's, an uncaptured one, or a rejected pipeline's, and its kind. */
export interface Caught {
  filter: GPUErrorFilter;
  message: string;
}

/** The LoomError for a GPU error met while `doing` ("running step 3 (kernel `x`)", …). */
export function caughtError(caught: Caught, doing: string): LoomError {
  const { said, context } = quote(caught.message);
  return gpuError(
    CODE_OF[caught.filter],
    `${doing} failed on the GPU (${KIND_OF[caught.filter]}): ${said}`,
    context,
  );
}

/** The LoomError for a rejected createComputePipelineAsync (a GPUPipelineError) while `doing`. */
export function pipelineError(error: unknown, doing: string): LoomError {
  const { reason, message } = error as { reason?: string; message?: string };
  const filter = reason === "internal" ? "internal" : "validation";
  return caughtError({ filter, message: message ?? String(error) }, doing);
}

/** The LoomError for a lost device: what could not finish, and why it was lost. */
function lostError(info: GPUDeviceLostInfo, doing: string): LoomError {
  const why = info.reason === "destroyed" ? "it was destroyed" : "the driver or the GPU failed";
  const { said, context } = quote(info.message);
  return gpuError("E0804", `the GPU device was lost (${why}) while ${doing}: ${said}`, context);
}

/** What a device reported outside any call: its loss, and errors no scope caught. */
interface Watch {
  lost?: GPUDeviceLostInfo;
  uncaught: Caught[];
}

const watched = new WeakMap<GPUDevice, Watch>();

function filterOf(error: GPUError): GPUErrorFilter {
  const kind = error.constructor.name;
  if (kind === "GPUOutOfMemoryError") return "out-of-memory";
  if (kind === "GPUInternalError") return "internal";
  return "validation";
}

/**
 * Listens, once per device, for its loss and for errors no scope caught (taking them from the
 * console: they are thrown instead), so that the next call on it rejects.
 */
export function watchDevice(device: GPUDevice): void {
  if (watched.has(device)) return;
  const watch: Watch = { uncaught: [] };
  watched.set(device, watch);
  device.addEventListener("uncapturederror", (event) => {
    event.preventDefault();
    watch.uncaught.push({ filter: filterOf(event.error), message: event.error.message });
  });
  void device.lost.then((info) => (watch.lost = info));
}

/**
 * Throws what the device has reported outside the scopes by now, while `doing`: its loss, or an
 * error no scope caught (each of those once).
 */
export function throwIfFailed(device: GPUDevice, doing: string): void {
  const watch = watched.get(device);
  if (!watch) return;
  if (watch.lost) throw lostError(watch.lost, doing);
  const uncaught = watch.uncaught.splice(0);
  if (uncaught.length > 0)
    throw caughtError(uncaught[0]!, `work outside Loom's error scopes (reported while ${doing})`);
}

/** The device's loss, if it has been lost by the time queued callbacks have run. */
async function lossOf(device: GPUDevice): Promise<GPUDeviceLostInfo | undefined> {
  const settled = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 0));
  return Promise.race([device.lost, settled]);
}

const FILTERS: readonly GPUErrorFilter[] = ["internal", "out-of-memory", "validation"];

function popScopes(device: GPUDevice): Promise<Caught | undefined> {
  const popped = [...FILTERS]
    .reverse()
    .map((filter) =>
      device
        .popErrorScope()
        .then((error) => (error ? { filter, message: error.message } : undefined)),
    );
  return Promise.all(popped).then((caught) => caught.find((c) => c !== undefined));
}

/**
 * Runs `work` inside validation, out-of-memory and internal error scopes and pops them before
 * returning, so the scopes hold exactly this work (it must not await). `caught` settles when the
 * device has checked the work: with the first error it raised, or undefined.
 */
export function scoped<T>(
  device: GPUDevice,
  work: () => T,
): { value: T; caught: Promise<Caught | undefined> } {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  let value: T;
  try {
    value = work();
  } catch (error) {
    void popScopes(device);
    throw error;
  }
  return { value, caught: popScopes(device) };
}

/** Awaits `caught` and throws the LoomError for what it caught, while doing `doing`. */
export async function throwIfCaught(
  caught: Promise<Caught | undefined>,
  doing: string,
): Promise<void> {
  const error = await caught;
  if (error) throw caughtError(error, doing);
}

/**
 * Queues work with `submit` inside error scopes and reads back the staging buffers it returns
 * (their bytes, in order; the buffers are destroyed), only once the scopes found no error: the
 * first error found is thrown instead, as `explain` describes it (default: the error while
 * `doing`). What the device reported outside the scopes is thrown too, see throwIfFailed.
 */
export async function submitAndRead<T extends { staging: GPUBuffer[] }>(
  device: GPUDevice,
  doing: string,
  submit: () => T,
  explain: (caught: Caught, submitted: T) => Promise<LoomError> = async (caught) =>
    caughtError(caught, doing),
): Promise<{ submitted: T; data: ArrayBuffer[] }> {
  throwIfFailed(device, doing);
  const { value: submitted, caught } = scoped(device, submit);
  try {
    const error = await caught;
    if (error) throw await explain(error, submitted);
    throwIfFailed(device, doing);
    const data: ArrayBuffer[] = [];
    for (const buffer of submitted.staging) {
      await mapForReading(device, buffer, doing);
      data.push(buffer.getMappedRange().slice(0));
      buffer.unmap();
    }
    return { submitted, data };
  } finally {
    for (const buffer of submitted.staging) buffer.destroy();
  }
}

/** Maps a readback buffer for reading; a failure is the device's loss (E0804) or E0806. */
export async function mapForReading(
  device: GPUDevice,
  buffer: GPUBuffer,
  doing: string,
): Promise<void> {
  try {
    await buffer.mapAsync(GPUMapMode.READ);
  } catch (error) {
    const lost = await lossOf(device);
    if (lost) throw lostError(lost, `reading back the results of ${doing}`);
    const { name, message } = error as Error;
    throw gpuError(
      "E0806",
      `mapping the results of ${doing} for reading failed: ${name}${message ? `: ${message}` : ""}`,
    );
  }
}
