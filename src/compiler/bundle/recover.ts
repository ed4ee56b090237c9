/**
 * Recovery from a killed bundle write, run at the start of every write of OUT. A write's
 * siblings (../../formats/files/leftovers.ts) say how far a killed run got:
 * - `.OUT.loom-tmp-…`: the new bundle, maybe incomplete. Deleted.
 * - `.OUT.loom-old-…` while OUT exists: the bundle that was replaced. Deleted.
 * - `.OUT.loom-old-…` while OUT does not exist: the run was killed between moving the old bundle
 *   aside and renaming the new one in. The old bundle (complete: it was a whole directory moved
 *   aside by one rename) is renamed back to OUT (W0641).
 * - `.OUT.loom-del-…`: an old bundle being deleted. Deleted.
 * An old bundle is renamed to `del` before it is deleted, so an `old` sibling is always whole.
 * Leftovers of writes whose process still runs are never touched.
 */
import { lstatSync } from "node:fs";
import { resolve } from "node:path";
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { deadLeftovers, siblingPath, type Leftover } from "../../formats/files/leftovers.ts";
import { nodeWriteOps, quietly, type WriteOps } from "./ops.ts";

/** Puts back or deletes what killed writes of `outDir` left beside it; W0641 if it restored one. */
export function recoverInterruptedWrite(
  outDir: string,
  ops: WriteOps = nodeWriteOps,
): Diagnostic[] {
  const target = resolve(outDir);
  const leftovers = deadLeftovers(target);
  const bag = new DiagnosticBag();
  if (leftovers.length === 0) return bag.items;
  let restored: Leftover | undefined;
  if (!exists(target)) {
    const aside = newest(leftovers.filter((l) => l.kind === "old"));
    if (aside) {
      try {
        ops.rename(aside.path, target);
        restored = aside;
        bag.report(
          "W0641",
          { file: outDir, start: 0, end: 0 },
          `restored \`${outDir}\` from \`${aside.path}\`, where a killed \`loom compile\` had moved it aside`,
          { hint: "nothing was lost; the new bundle is written over the restored one" },
        );
      } catch {
        // left where it is: the old bundle is never deleted while OUT does not exist
      }
    }
  }
  const outExists = exists(target);
  for (const leftover of leftovers) {
    if (leftover === restored) continue;
    if (leftover.kind === "old") {
      if (!outExists) continue;
      const trash = siblingPath(target, "del", leftover.tag);
      quietly(() => {
        ops.rename(leftover.path, trash);
        ops.removeTree(trash);
      });
    } else quietly(() => ops.removeTree(leftover.path));
  }
  return bag.items;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The leftover renamed last (a rename sets a directory's ctime). */
function newest(leftovers: Leftover[]): Leftover | undefined {
  let best: { leftover: Leftover; ctime: number } | undefined;
  for (const leftover of leftovers) {
    let ctime: number;
    try {
      ctime = lstatSync(leftover.path).ctimeMs;
    } catch {
      continue;
    }
    if (!best || ctime > best.ctime) best = { leftover, ctime };
  }
  return best?.leftover;
}
