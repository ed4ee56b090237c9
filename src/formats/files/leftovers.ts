/**
 * The temporary siblings an atomic write makes beside its target, in the same directory so that
 * renames stay on one file system: `.NAME.loom-KIND-PID-HEX`, where KIND says what it holds
 * (`tmp` the new content being written, `old` the previous content moved aside, `del` content
 * being deleted) and PID is the writing process. A later write tells a leftover of a killed run
 * (its process is gone) from one of a write still under way, and only ever touches the former.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export type LeftoverKind = "tmp" | "old" | "del";

/** One write's siblings share a tag: the writer's process id and 8 random hex digits. */
export function newWriteTag(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** The sibling of `target` of `kind` for the write tagged `tag`. */
export function siblingPath(target: string, kind: LeftoverKind, tag: string): string {
  return join(dirname(target), `.${basename(target)}.loom-${kind}-${tag}`);
}

export interface Leftover {
  path: string;
  kind: LeftoverKind;
  tag: string;
}

const SUFFIX = /^(tmp|old|del)-(\d+)-[0-9a-f]{8}$/;

/** The siblings of `target` left by writes whose process no longer runs (none if unreadable). */
export function deadLeftovers(target: string): Leftover[] {
  const prefix = `.${basename(target)}.loom-`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = SUFFIX.exec(name.slice(prefix.length));
    if (!match || isRunning(Number(match[2]))) continue;
    found.push({
      path: join(dirname(target), name),
      kind: match[1] as LeftoverKind,
      tag: match[0].slice(match[1]!.length + 1),
    });
  }
  return found;
}

/** Whether a process of this id runs (this one counts: its own writes are under way). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user; ESRCH: it is gone
    return (error as { code?: string }).code === "EPERM";
  }
}
