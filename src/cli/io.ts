import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Where a command writes; injected so tests can capture output. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal. */
  isTty: boolean;
  /** Whether to colour what is written to each stream (default: no colour). */
  color?: { stdout: boolean; stderr: boolean };
}

/**
 * Whether to colour a stream: FORCE_COLOR (other than 0 or false) forces it, as in Node itself;
 * otherwise a non-empty NO_COLOR (no-color.org) or TERM=dumb turns it off, and a terminal turns it on.
 */
export function wantsColor(stream: { isTTY?: boolean }, env = process.env): boolean {
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env["NO_COLOR"]) return false;
  return Boolean(stream.isTTY) && env["TERM"] !== "dumb";
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY),
  color: { stdout: wantsColor(process.stdout), stderr: wantsColor(process.stderr) },
};

/** Exit statuses shared by every command. */
export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

export function readText(path: string): string {
  return readFileSync(path, "utf8");
}

/** Expands directories to the .loom files below them (sorted); files are kept as given. */
export function expandSpecPaths(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".loom")) files.push(path);
    }
  };
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    } catch {
      missing.push(path);
    }
  }
  return { files, missing };
}
