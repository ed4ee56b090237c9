// Start-up time of the command line against Node itself, measured in one run: the median of 5
// wall times of each command, taken in turns so a busy machine slows all of them alike.
// `npm run bench:start`. Targets (issue 10): --version at most 3x, check at most 5x `node -e 0`.
import { spawnSync } from "node:child_process";

const commands = {
  "node -e 0": [process.execPath, "-e", "0"],
  "loom --version": [process.execPath, "bin/loom", "--version"],
  "loom check specs/gpt2-small.loom": [
    process.execPath,
    "bin/loom",
    "check",
    "specs/gpt2-small.loom",
  ],
};
const runs = Number(process.env["RUNS"] ?? 5);
const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, [command, ...args]] of Object.entries(commands)) {
    const start = performance.now();
    const result = spawnSync(command, args, { encoding: "utf8" });
    times[name].push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(times["node -e 0"]);
for (const [name, values] of Object.entries(times)) {
  const ms = median(values);
  console.log(
    `${name.padEnd(34)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / base).toFixed(2)}x node -e 0`,
  );
}
