import { openNodeDevice } from "../api/device.ts";
import { describeTile, TUNING_SHAPES, tuneMatmulTiles } from "../api/tune.ts";
import { EXIT, type Io } from "./io.ts";
import { recordTiles, tileCachePath } from "../api/tile-cache.ts";

export interface TuneOptions {
  runs: number;
  json: boolean;
}

/**
 * `loom tune`: measures the matmul tile candidates on this machine's WebGPU adapter and records
 * the fastest per use in the tile cache, which `run`, `generate` and `bench` lower with.
 */
export async function runTune(options: TuneOptions, io: Io): Promise<number> {
  const { device, description } = await openNodeDevice();
  io.stderr(`webgpu: ${description}\n`);
  const { tiles, timings } = await tuneMatmulTiles(device, {
    runs: options.runs,
    onTiming: (t) => {
      if (options.json) return;
      const { rows, k, n } = TUNING_SHAPES[t.use];
      io.stdout(
        `${t.use.padEnd(6)} ${rows}x${k}x${n}  ${describeTile(t.tile).padEnd(34)} ${t.milliseconds.toFixed(2).padStart(9)} ms\n`,
      );
    },
  });
  const path = tileCachePath();
  let moved: string | undefined;
  try {
    moved = recordTiles(description, tiles, path).movedAside;
  } catch (error) {
    io.stderr(`error: could not record the tiles in ${path}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (moved) io.stderr(`warning: ${path} could not be read; it was moved to ${moved}\n`);
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ adapter: description, tiles, timings, recordedIn: path }, null, 2)}\n`,
    );
  } else {
    for (const [use, tile] of Object.entries(tiles))
      io.stdout(`fastest ${use}: ${describeTile(tile)}\n`);
    io.stdout(`recorded in ${path} for ${description}\n`);
  }
  return EXIT.ok;
}
