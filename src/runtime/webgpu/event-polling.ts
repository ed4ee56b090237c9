/**
 * Dawn's Node binding (the `webgpu` package) finishes its promises — pipelines compiled, buffers
 * mapped, work done — by polling: while any is pending it calls the global `setImmediate` with a
 * native callback that processes Dawn's events and re-arms itself. That loop spins one core at
 * 100% for as long as the wait lasts, and on a CPU adapter the wait is the CPU's own work: while
 * SwiftShader compiles a pipeline or runs a dispatch on its worker threads, the spinning main
 * thread takes a core away from it (on 2 cores, half the machine).
 *
 * `throttleDawnPolling` wraps the global `setImmediate` once, in this process, so that a native
 * callback (what the binding passes; JavaScript callbacks are left alone) that re-arms itself
 * keeps the immediate schedule for SPIN_MS after its wait began, and from then on is scheduled
 * with a POLL_INTERVAL_MS timer. A short wait (a GPU's dispatch, a small readback) is answered
 * as before; a long one costs at most POLL_INTERVAL_MS of extra latency and no core.
 */

/** How long a wait keeps polling at once before it backs off, in milliseconds. */
export const SPIN_MS = 2;

/** The polling period once a wait has backed off, in milliseconds. */
export const POLL_INTERVAL_MS = 1;

const WRAPPED = Symbol.for("loom.throttledDawnPolling");

type Immediate = typeof setImmediate & { [WRAPPED]?: true };

/** Whether a callback is a native function (the binding's) rather than JavaScript. */
function isNative(callback: unknown): callback is () => void {
  return (
    typeof callback === "function" &&
    Function.prototype.toString.call(callback).endsWith("{ [native code] }")
  );
}

/** What the throttle schedules with, injected so tests can drive it with a fake clock. */
export interface PollingScheduler {
  immediate: (callback: unknown, ...args: unknown[]) => unknown;
  timeout: (callback: () => void, milliseconds: number) => unknown;
  now: () => number;
}

/**
 * A `setImmediate` that passes every call to `scheduler.immediate` unchanged, except a native
 * callback that re-arms itself (scheduled from inside its own run) SPIN_MS or more after its
 * wait began: that one waits POLL_INTERVAL_MS on `scheduler.timeout` instead.
 */
export function throttledImmediate(scheduler: PollingScheduler) {
  // Set while a native poll runs: a call from inside it is that poll re-arming itself.
  let polling = false;
  let waitStarted = 0;
  const run = (poll: () => void) => () => {
    polling = true;
    try {
      poll();
    } finally {
      polling = false;
    }
  };
  return (callback: unknown, ...args: unknown[]): unknown => {
    if (args.length > 0 || !isNative(callback)) {
      return scheduler.immediate(callback, ...args);
    }
    const now = scheduler.now();
    if (!polling) waitStarted = now;
    if (now - waitStarted < SPIN_MS) return scheduler.immediate(run(callback));
    return scheduler.timeout(run(callback), POLL_INTERVAL_MS);
  };
}

/** Wraps the global `setImmediate` as the header says; calling it again does nothing. */
export function throttleDawnPolling(): void {
  const original = globalThis.setImmediate as Immediate;
  if (original[WRAPPED]) return;
  const throttled = throttledImmediate({
    immediate: (callback, ...args) =>
      (original as (...a: unknown[]) => NodeJS.Immediate)(callback, ...args),
    timeout: (callback, milliseconds) => setTimeout(callback, milliseconds),
    now: () => performance.now(),
  }) as unknown as Immediate;
  throttled.__promisify__ = original.__promisify__;
  throttled[WRAPPED] = true;
  globalThis.setImmediate = throttled;
}

/** Whether the global `setImmediate` is the throttled one. */
export function pollingThrottled(): boolean {
  return (globalThis.setImmediate as Immediate)[WRAPPED] === true;
}
