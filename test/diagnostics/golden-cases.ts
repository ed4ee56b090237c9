/**
 * The golden diagnostic cases under test/diagnostics/cases/: how they are found, run and rendered.
 * Shared by golden.test.ts (one test per case) and coverage.test.ts (every code has a case).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSpec, type CheckResult } from "../../src/compiler/compile.ts";
import { renderPretty, summaryLine } from "../../src/contracts/diagnostics/render.ts";

/** The repository root, with a trailing slash; case paths are relative to it. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The cases folder, relative to the repository root (as rendered paths show it). */
export const CASES_DIR = "test/diagnostics/cases";

/** One golden case: a bad spec (or a missing one) and the file holding its expected rendering. */
export interface GoldenCase {
  /** The case's name: the file name without `.loom`, or the folder name. */
  name: string;
  /** The entry file, relative to the repository root: `<name>.loom` or `<name>/main.loom`. */
  entry: string;
  /** The expected rendering, relative to the repository root: the entry with `.expected`. */
  expected: string;
  /** True when the entry does not exist on purpose (a case for E0103, cannot read file). */
  missingEntry: boolean;
}

/**
 * Every case, sorted by name: each `<name>.loom`, each folder with a `main.loom`, and each
 * `<name>.expected` with no `.loom` beside it (its entry is missing on purpose).
 */
export function listCases(): GoldenCase[] {
  const cases = new Map<string, GoldenCase>();
  for (const entry of readdirSync(join(ROOT, CASES_DIR), { withFileTypes: true })) {
    const name = entry.name;
    if (entry.isDirectory()) {
      if (!existsSync(join(ROOT, CASES_DIR, name, "main.loom"))) continue;
      const base = `${CASES_DIR}/${name}/main`;
      cases.set(name, {
        name,
        entry: `${base}.loom`,
        expected: `${base}.expected`,
        missingEntry: false,
      });
    } else if (name.endsWith(".loom") || name.endsWith(".expected")) {
      const stem = name.slice(0, name.lastIndexOf("."));
      const base = `${CASES_DIR}/${stem}`;
      const missingEntry = !existsSync(join(ROOT, `${base}.loom`));
      cases.set(stem, {
        name: stem,
        entry: `${base}.loom`,
        expected: `${base}.expected`,
        missingEntry,
      });
    }
  }
  return [...cases.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Reads a repository-relative path. Error messages name the path as given, not the absolute path
 * on this machine, so that the E0103 and E0201 notes in the goldens are the same everywhere.
 */
export function readFromRoot(path: string): string {
  try {
    return readFileSync(join(ROOT, path), "utf8");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.replaceAll(ROOT, ""));
  }
}

/** Checks a case's entry file exactly as `loom check` would, paths relative to the root. */
export function runCase(c: GoldenCase): CheckResult {
  return checkSpec(c.entry, readFromRoot);
}

/** What `loom check --no-color` prints on stderr: the pretty diagnostics, then the summary line. */
export function renderCase(result: CheckResult): string {
  const summary = summaryLine(result.diagnostics);
  return (
    renderPretty(result.diagnostics, result.sources, { color: false }) +
    (summary ? `${summary}\n` : "")
  );
}

/**
 * The codes a case says it tests, from its first line: `// expect: E0302 — what it is about`.
 * A case whose entry is missing expects E0103.
 */
export function expectedCodes(c: GoldenCase): string[] {
  if (c.missingEntry) return ["E0103"];
  const first = readFromRoot(c.entry).split("\n", 1)[0] ?? "";
  const match = /^\/\/ expect: ((?:[EW]\d{4}[ ,]*)+)/.exec(first);
  return match ? match[1]!.split(/[ ,]+/).filter(Boolean) : [];
}
