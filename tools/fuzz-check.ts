/**
 * Mutation fuzzing of the checker at scale: `npx tsx tools/fuzz-check.ts --mutants N --seed S`
 * checks N mutants of the repository's specs (test/properties/fuzz.ts; mutant i from seed S + i)
 * in this process and prints how many it tried, how many threw, how many took longer than
 * --slow-ms (default 1000) and the slowest. Each failure is printed with its seed and written to
 * --out (default fuzz-failures/) so `--mutants 1 --seed <seed>` reruns it. Exit 1 when any
 * mutant threw or was slow.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkMutant, drawMutant, type Mutant } from "../test/properties/fuzz.ts";
import { intOption } from "./int-option.ts";

const mutants = intOption("mutants", 100_000);
const seed = intOption("seed", 1);
const slowMs = intOption("slow-ms", 1000);
const outAt = process.argv.indexOf("--out");
const outDir = outAt >= 0 ? process.argv[outAt + 1]! : "fuzz-failures";

let threw = 0;
let slow = 0;
let slowest = { ms: 0, seed };
const started = performance.now();

function record(m: Mutant, what: string, detail: string): void {
  console.log(`seed ${m.seed} (${m.target} for ${m.entry}): ${what}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${m.seed}.loom`), m.text);
  writeFileSync(join(outDir, `${m.seed}.txt`), `${m.target} for ${m.entry}\n${detail}\n`);
}

for (let i = 0; i < mutants; i++) {
  const m = drawMutant(seed + i);
  const outcome = checkMutant(m);
  if (outcome.ms > slowest.ms) slowest = { ms: outcome.ms, seed: m.seed };
  if (outcome.error !== undefined) {
    threw++;
    const error = outcome.error as Error;
    record(m, `threw ${error.name}: ${error.message}`, String(error.stack));
  } else if (outcome.ms > slowMs) {
    slow++;
    record(m, `took ${outcome.ms.toFixed(0)} ms`, `${outcome.ms.toFixed(0)} ms`);
  }
  if ((i + 1) % 10_000 === 0)
    console.log(`… ${i + 1} mutants, ${threw} threw, ${slow} over ${slowMs} ms`);
}

const seconds = (performance.now() - started) / 1000;
console.log(
  `${mutants} mutants (seeds ${seed}..${seed + mutants - 1}) in ${seconds.toFixed(0)} s: ` +
    `${threw} threw, ${slow} took over ${slowMs} ms; ` +
    `slowest ${slowest.ms.toFixed(0)} ms (seed ${slowest.seed})`,
);
process.exit(threw + slow > 0 ? 1 : 0);
