/**
 * In-process mutation fuzzing of `checkSpec` over the repository's own specs: each mutant is one
 * of specs/ or test/parity/specs/ (or a file it includes) with one to three mutations of
 * mutate.ts applied. Mutant i comes from seed + i, so one failure reruns alone. Used by
 * tools/fuzz-check.ts (at scale) and by fuzz.test.ts (a sample in CI).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { checkSpec } from "../../src/compiler/compile.ts";
import { resolveInclude, type ReadFile } from "../../src/compiler/elaborate/load.ts";
import { applyMutations, mutations } from "./mutate.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SPEC_DIRS = ["specs", "test/parity/specs"];

/** Every .loom file under `dir`, as a repository-relative path. */
function specFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? specFiles(`${dir}/${e.name}`)
      : e.name.endsWith(".loom")
        ? [`${dir}/${e.name}`]
        : [],
  );
}

const FILES = new Map(
  SPEC_DIRS.flatMap(specFiles).map((path) => [path, readFileSync(join(ROOT, path), "utf8")]),
);

/** Entry points (files directly in a spec folder), each with the files it includes. */
export const ENTRIES = [...FILES.keys()]
  .filter((path) => SPEC_DIRS.includes(path.slice(0, path.lastIndexOf("/"))))
  .map((entry) => {
    const includes = [...FILES.get(entry)!.matchAll(/include "([^"]+)"/g)].map((m) =>
      resolveInclude(entry, m[1]!),
    );
    return { entry, targets: [entry, ...includes.filter((p) => FILES.has(p))] };
  });

const mutant = fc.constantFrom(...ENTRIES).chain(({ entry, targets }) =>
  fc.record({
    entry: fc.constant(entry),
    target: fc.constantFrom(...targets),
    edits: mutations,
  }),
);

/** One mutant: which spec it checks, which file was mutated, and that file's new text. */
export interface Mutant {
  seed: number;
  entry: string;
  target: string;
  text: string;
}

/** The mutant drawn from `seed`. */
export function drawMutant(seed: number): Mutant {
  const { entry, target, edits } = fc.sample(mutant, { seed, numRuns: 1 })[0]!;
  return { seed, entry, target, text: applyMutations(FILES.get(target)!, edits) };
}

/** What checking one mutant did: how long it took, and the exception if it threw. */
export interface Outcome {
  ms: number;
  error?: unknown;
}

/** Checks one mutant, reading the mutated file in place of its original. */
export function checkMutant(m: Mutant): Outcome {
  const read: ReadFile = (path) => {
    const text = path === m.target ? m.text : FILES.get(path);
    if (text === undefined) throw new Error(`ENOENT: no such file: ${path}`);
    return text;
  };
  const start = performance.now();
  try {
    checkSpec(m.entry, read);
    return { ms: performance.now() - start };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}
