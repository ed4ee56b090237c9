/**
 * The tile cache: `loom tune` records the matmul tiles it measured, per adapter, in one JSON file;
 * running a model on that adapter lowers with them. The file is
 * $LOOM_TILE_CACHE, else $XDG_CACHE_HOME/loom/tiles.json, else ~/.cache/loom/tiles.json.
 * Its content is validated on every read (zod, then each tile against WebGPU's baseline limits);
 * a bad file is reported and ignored, never a crash, and is moved aside, not overwritten, when a
 * new measurement is recorded.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { COMPILER_VERSION } from "../contracts/bundle/version.ts";
import {
  MATMUL_USES,
  matmulTileProblem,
  type MatmulTiles,
} from "../compiler/codegen/matmul-tile.ts";

const Tile = z
  .object({
    rows: z.number().int().positive(),
    cols: z.number().int().positive(),
    k: z.number().int().positive(),
    perThreadRows: z.number().int().positive(),
    perThreadCols: z.number().int().positive(),
    staged: z.boolean().optional(),
  })
  .strict();

const Entry = z.object({
  tiles: z.object({ plain: Tile, gated: Tile, decode: Tile }).strict(),
  /** When they were measured (ISO 8601) and by which Loom. */
  measured: z.string(),
  loom: z.string(),
});

const TileCacheFile = z.object({
  version: z.literal(1),
  /** By adapter description (vendor / architecture / device / driver, as Dawn reports it). */
  adapters: z.record(z.string(), Entry),
});
type TileCacheFile = z.infer<typeof TileCacheFile>;

export function tileCachePath(): string {
  const explicit = process.env["LOOM_TILE_CACHE"];
  if (explicit) return explicit;
  const base = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(base, "loom", "tiles.json");
}

/** The file's content, or why it cannot be used; undefined when there is no file. */
function readFile(path: string): TileCacheFile | { problem: string } | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return { problem: `${path} is not JSON (${(error as Error).message})` };
  }
  const parsed = TileCacheFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${path}: ${issue.path.join(".") || "the file"}: ${issue.message}` };
  }
  for (const [adapter, entry] of Object.entries(parsed.data.adapters)) {
    for (const use of MATMUL_USES) {
      const problem = matmulTileProblem(entry.tiles[use], use === "gated" ? 2 : 1);
      if (problem) return { problem: `${path}: adapter "${adapter}", ${use} tile: ${problem}` };
    }
  }
  return parsed.data;
}

/** The tiles recorded for an adapter: found, absent, or a problem with the file. */
export type RecordedTiles =
  { tiles: MatmulTiles; measured: string } | { problem: string } | undefined;

export function recordedTiles(adapter: string, path = tileCachePath()): RecordedTiles {
  const file = readFile(path);
  if (!file || "problem" in file) return file;
  const entry = file.adapters[adapter];
  return entry ? { tiles: entry.tiles, measured: entry.measured } : undefined;
}

/**
 * Records an adapter's tiles, keeping the other adapters' entries; written to a temporary file
 * and renamed, so a failed write leaves the old file. A file that cannot be read is moved to
 * PATH.bad first. Returns what happened to such a file, if anything.
 */
export function recordTiles(
  adapter: string,
  tiles: MatmulTiles,
  path = tileCachePath(),
): { movedAside?: string } {
  const existing = readFile(path);
  let movedAside: string | undefined;
  if (existing && "problem" in existing) {
    movedAside = `${path}.bad`;
    renameSync(path, movedAside);
  }
  const file: TileCacheFile =
    existing && !("problem" in existing) ? existing : { version: 1, adapters: {} };
  file.adapters[adapter] = { tiles, measured: new Date().toISOString(), loom: COMPILER_VERSION };
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(temp, path);
  return movedAside ? { movedAside } : {};
}
