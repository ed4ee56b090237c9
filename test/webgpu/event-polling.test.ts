/**
 * The throttle on Dawn's event polling (src/runtime/webgpu/event-polling.ts), driven with a fake
 * clock: a native callback re-arming itself keeps the immediate schedule for SPIN_MS, then waits
 * POLL_INTERVAL_MS on a timer; JavaScript callbacks, and a native one starting a new wait, pass
 * through untouched.
 */
import { describe, expect, it } from "vitest";
import {
  POLL_INTERVAL_MS,
  pollingThrottled,
  SPIN_MS,
  throttledImmediate,
} from "../../src/runtime/webgpu/event-polling.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";

/** A fake scheduler: records each call's path and lets the test run what was scheduled. */
function fakeScheduler() {
  let clock = 0;
  const calls: { path: "immediate" | "timeout"; run: () => void; args: unknown[]; ms?: number }[] =
    [];
  const wrapped = throttledImmediate({
    immediate: (callback, ...args) =>
      calls.push({ path: "immediate", run: callback as () => void, args }),
    timeout: (callback, ms) => calls.push({ path: "timeout", run: callback, args: [], ms }),
    now: () => clock,
  });
  return { wrapped, calls, at: (ms: number) => (clock = ms) };
}

describe("throttledImmediate", () => {
  it("backs a native poll that re-arms itself off to a timer once SPIN_MS have passed", () => {
    const { wrapped, calls, at } = fakeScheduler();
    const times = [0, SPIN_MS / 2, SPIN_MS, SPIN_MS + 5];
    let polls = 0;
    // A bound function prints as native code, like the binding's callback.
    const poll = function (this: unknown) {
      polls++;
      if (polls < times.length) {
        at(times[polls]!);
        wrapped(poll);
      }
    }.bind(null);
    at(times[0]!);
    wrapped(poll);
    for (let i = 0; i < calls.length; i++) calls[i]!.run();
    expect(polls).toBe(4);
    expect(calls.map((c) => c.path)).toEqual(["immediate", "immediate", "timeout", "timeout"]);
    expect(calls[2]!.ms).toBe(POLL_INTERVAL_MS);
    // A new wait, scheduled from outside a poll, starts on the immediate schedule again.
    at(100);
    wrapped(poll);
    expect(calls.at(-1)!.path).toBe("immediate");
  });

  it("passes JavaScript callbacks and their arguments through unchanged", () => {
    const { wrapped, calls, at } = fakeScheduler();
    const js = (a: number, b: string) => [a, b];
    at(0);
    wrapped(js, 1, "x");
    at(1000);
    wrapped(js);
    expect(calls.map((c) => [c.path, c.run, c.args])).toEqual([
      ["immediate", js, [1, "x"]],
      ["immediate", js, []],
    ]);
  });

  it("is installed when Dawn is loaded", async () => {
    const { device } = await acquireNodeDevice();
    device.destroy();
    expect(pollingThrottled()).toBe(true);
  });
});
