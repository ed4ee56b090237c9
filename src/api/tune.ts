/**
 * Tile tuning: measures the matmul tile candidates on the device at hand, for each use (plain,
 * gated, decode), and returns the fastest of each. `loom tune` records the result per adapter and
 * the lowering uses it (src/cli/tile-cache.ts); the defaults by adapter kind stand in until then.
 */
import {
  CPU_DECODE_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
  chooseMatmulTile,
  MATMUL_TILE_CANDIDATES,
  MATMUL_USES,
  type MatmulTile,
  matmulTileProblem,
  type MatmulTiles,
  type MatmulUseName,
} from "../compiler/codegen/matmul-tile.ts";
import { matmulKernel } from "../compiler/codegen/matmul.ts";
import { ResidentKernel } from "../runtime/webgpu/resident-kernel.ts";

/** The matmul each use is measured on: the shapes of a GPT-2-style block at width 256. */
export const TUNING_SHAPES: Readonly<
  Record<MatmulUseName, { rows: number; k: number; n: number }>
> = {
  plain: { rows: 128, k: 256, n: 768 },
  gated: { rows: 128, k: 256, n: 512 },
  decode: { rows: 1, k: 256, n: 768 },
};

/** The candidates for each use: every tile that fits its weight matrices, plus the use's own. */
export function tuningCandidates(use: MatmulUseName): Readonly<MatmulTile>[] {
  const own =
    use === "decode" ? [CPU_DECODE_MATMUL_TILE] : use === "gated" ? [CPU_GATED_MATMUL_TILE] : [];
  const all = [...MATMUL_TILE_CANDIDATES, ...own].filter(
    (tile, i, list) => list.indexOf(tile) === i,
  );
  return all.filter((tile) => matmulTileProblem(tile, use === "gated" ? 2 : 1) === undefined);
}

/** One candidate's measurement: the median of `runs` calls after a warm-up, in milliseconds. */
export interface TileTiming {
  use: MatmulUseName;
  tile: Readonly<MatmulTile>;
  milliseconds: number;
}

/**
 * Measures every candidate of every use on `device` and returns the fastest per use, with each
 * timing (reported through `onTiming` as it is taken: SwiftShader compiles each candidate for
 * seconds). Inputs are small uniform values; correctness is the kernel tests' job.
 */
export async function tuneMatmulTiles(
  device: GPUDevice,
  options: {
    runs?: number;
    candidates?: (use: MatmulUseName) => Readonly<MatmulTile>[];
    onTiming?: (timing: TileTiming) => void;
  } = {},
): Promise<{ tiles: MatmulTiles; timings: TileTiming[] }> {
  const runs = options.runs ?? 3;
  const timings: TileTiming[] = [];
  const chosen = {} as Record<MatmulUseName, Readonly<MatmulTile>>;
  for (const use of MATMUL_USES) {
    const { rows, k, n } = TUNING_SHAPES[use];
    const gated = use === "gated";
    const data: Record<string, Float32Array> = {
      x: Float32Array.from({ length: rows * k }, (_, i) => ((i % 7) - 3) / 8),
      y: new Float32Array(rows * n),
    };
    for (const w of gated ? ["w_gate", "w_up"] : ["w"])
      data[w] = Float32Array.from({ length: n * k }, (_, i) => ((i % 5) - 2) / 8);
    chosen[use] = await chooseMatmulTile(
      async (tile) => {
        const kernel = matmulKernel({
          name: `tune_${use}`,
          k,
          n,
          bias: false,
          activation: "none",
          ...(gated ? { gated: "swiglu" as const } : {}),
          tile,
        });
        const resident = await ResidentKernel.create(device, kernel, data);
        await resident.run({ rows }, "y");
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          await resident.run({ rows }, "y");
          times.push(performance.now() - start);
        }
        resident.destroy();
        const milliseconds = times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
        const timing = { use, tile, milliseconds };
        timings.push(timing);
        options.onTiming?.(timing);
        return milliseconds;
      },
      (options.candidates ?? tuningCandidates)(use),
    );
  }
  return { tiles: chosen, timings };
}
export { describeTile } from "../compiler/codegen/matmul-tile.ts";
