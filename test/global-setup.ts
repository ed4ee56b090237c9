/**
 * Builds dist/ before the tests when a source is newer than the last build, so the tests that
 * spawn bin/loom (which runs dist/) never run a stale command line.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync("dist/.built").mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestMtime("src"),
    newestMtime("grammar"),
    statSync("package.json").mtimeMs,
  );
  if (sources <= built) return;
  const result = spawnSync(process.execPath, ["tools/build.mjs"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm run build failed: the tests need dist/");
}
