/** Spawning `bin/loom` and SIGKILLing it at a chosen moment, for the crash-safety tests. */
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { Mulberry32 } from "../../src/contracts/random.ts";

/**
 * When to kill: `ms` after the start, or `ms` after the `nth` change in the watched directory
 * (an entry created, renamed, written or deleted: the write itself). Infinity: never.
 */
export type KillAt = { after: "start"; ms: number } | { after: "change"; nth: number; ms: number };

export interface KillResult {
  /** Whether the SIGKILL came before the command finished. */
  killed: boolean;
  code: number | null;
  stderr: string;
  /** How many changes the watched directory saw while the command ran. */
  changes: number;
}

/** Runs `node bin/loom ARGS` with `watched` watched, and kills it as `at` says (unless it ends first). */
export function runAndKill(args: string[], watched: string, at: KillAt): Promise<KillResult> {
  const child = spawn(process.execPath, ["bin/loom", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  const kill = () => (timer = setTimeout(() => child.kill("SIGKILL"), at.ms));
  if (at.after === "start") kill();
  let changes = 0;
  const watcher = watch(watched, () => {
    if (++changes === (at.after === "change" ? at.nth : NaN)) kill();
  });
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // the last changes may still be queued: let them arrive before counting
      setTimeout(() => {
        watcher.close();
        resolve({ killed: signal === "SIGKILL", code, stderr, changes });
      }, 50);
    });
  });
}

/**
 * `count` seeded kill moments for a command that runs `runtimeMs` and makes `changes` changes in
 * its directory: a third spread over 1.5 times its runtime (most before it writes, some after it
 * ends), two thirds 0–3 ms after one of its changes (in the write, around the renames). The seed
 * is $LOOM_CRASH_SEED or `seed`, so a failure reproduces (up to the machine's timing).
 */
export function killMoments(count: number, runtimeMs: number, changes: number, seed: number) {
  const rng = new Mulberry32(Number(process.env.LOOM_CRASH_SEED ?? seed));
  const uniform = () => rng.nextU32() / 2 ** 32;
  return Array.from({ length: count }, (_, i): KillAt =>
    i % 3 === 0
      ? { after: "start", ms: Math.round(uniform() * runtimeMs * 1.5) }
      : {
          after: "change",
          nth: 1 + Math.floor(uniform() * changes),
          ms: Math.floor(uniform() * 4),
        },
  );
}
