/**
 * Matmul tile shapes: what a tile is, what it costs in workgroup memory and invocations, which
 * one is the default, and how a runtime picks one per device by measuring candidates.
 *
 * A workgroup computes a `rows × cols` block of y, walking k in steps of `k`; each invocation
 * computes `perThreadRows × perThreadCols` outputs, so a workgroup has
 * (cols / perThreadCols) × (rows / perThreadRows) invocations.
 *
 * How tiles are chosen per device: DEFAULT_MATMUL_TILE (staged in workgroup memory) is the
 * portable choice for GPUs. CPU adapters differ: SwiftShader runs a workgroup's invocations as
 * coroutines that all yield at each barrier and gathers every lane's workgroup-memory load, so
 * staging costs more than it saves there; the register-blocked tiles without staging
 * (CPU_MATMUL_TILE and its gated and decode forms) beat every staged tile at 512³ in most runs
 * (SwiftShader timings on a shared 2-core machine are noisy, so measure before trusting a
 * ranking). `defaultMatmulTile(kind, use)` encodes that; `chooseMatmulTile(measure)` replaces the guess with a
 * measurement over MATMUL_TILE_CANDIDATES (bench/matmul.ts does exactly that and prints it).
 */

/** The blocking of one matmul kernel. */
export interface MatmulTile {
  /** Rows of x (and y) per workgroup. */
  rows: number;
  /** Columns of y (rows of W) per workgroup. */
  cols: number;
  /** Depth along k of one tile step; a multiple of 4 (tiles hold vec4 along k). */
  k: number;
  /** Rows of y each invocation computes (divides `rows`). */
  perThreadRows: number;
  /** Columns of y each invocation computes (divides `cols`). */
  perThreadCols: number;
  /**
   * Whether x and W tiles are staged in workgroup memory (default true). False reads them straight
   * from the storage buffers into registers, with no barriers; `k` is then unused.
   */
  staged?: boolean;
}

/** The device limits a matmul tile must fit. */
export interface MatmulLimits {
  /** maxComputeWorkgroupStorageSize, in bytes. */
  workgroupStorageBytes: number;
  /** maxComputeInvocationsPerWorkgroup. */
  invocations: number;
  /** maxComputeWorkgroupSizeX and …SizeY (the smaller of the two). */
  workgroupSizeXY: number;
}

/** WebGPU's guaranteed minimum limits: a kernel within them runs on every device. */
export const WEBGPU_BASELINE_LIMITS: MatmulLimits = {
  workgroupStorageBytes: 16384,
  invocations: 256,
  workgroupSizeXY: 256,
};

/**
 * The default tile: 64×64 outputs per workgroup, 16×8 invocations of 8×4 outputs each, k steps
 * of 16. Fits the baseline limits even gated (two W tiles): (64 + 2·64) · 5 vec4 · 16 B = 15 KiB.
 * The fastest candidate at 2048³ on an NVIDIA H100 (6.9 TFLOP/s, 8.1× the naive kernel; the
 * 4×4 variant reached 6.2); on SwiftShader the 8×8 staged tiles were faster (bench/matmul.ts).
 */
export const DEFAULT_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 64,
  cols: 64,
  k: 16,
  perThreadRows: 8,
  perThreadCols: 4,
});

/**
 * The GPU tile for decode steps (one row per sequence): 64 columns per workgroup, one output per
 * invocation, k steps of 16 staged in workgroup memory, so the W tile is loaded by neighbouring
 * invocations from neighbouring addresses and every invocation computes an output that exists
 * (DEFAULT_MATMUL_TILE's 64 rows leave 63 of every 64 idle at decode). Workgroup memory
 * (1 + 2·64) · 5 vec4 · 16 B = 10 KiB gated. Not measured on a GPU yet (none lent since).
 */
export const GPU_DECODE_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 1,
  cols: 64,
  k: 16,
  perThreadRows: 1,
  perThreadCols: 1,
});

/**
 * The tiles for CPU adapters (SwiftShader), read straight from the storage buffers (no workgroup
 * memory, no barriers). SwiftShader gathers every vec4 a lane loads one component and one lane at
 * a time, so what matters is multiply-adds per load: an invocation computing PR × PC outputs loads
 * PR + PC vec4s per step along k for PR · PC dot products. 16 × 16 outputs (256 accumulators,
 * spilled to the stack, which costs less than a gather) ran 512³ at 3.9 GFLOP/s against 2.0–2.9
 * for 8 × 8 and 8 × 4 in the same runs on 2 cores (minimum of 7 calls; bench/matmul.ts).
 */
export const CPU_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 32,
  cols: 32,
  k: 16,
  perThreadRows: 16,
  perThreadCols: 16,
  staged: false,
});

/**
 * The CPU tile for mid-sized matmuls: 8 × 4 outputs per invocation. SwiftShader compiles a kernel
 * on its first dispatch, in time that grows with the unrolled code: about 0.2 s for this tile
 * against 1–2 s for CPU_MATMUL_TILE (5 s on a loaded machine), which only a matmul of at least
 * CPU_LARGE_MATMUL_WORK multiply-adds at the bounds wins back: at the measured 3.9 against about
 * 2.5 GFLOP/s the large tile saves about 0.3 ns a multiply-add, so 2³⁰ of them save about 0.3 s
 * a pass, and a process runs a prefill many times only when it serves or benchmarks.
 */
export const CPU_SMALL_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 32,
  cols: 32,
  k: 16,
  perThreadRows: 8,
  perThreadCols: 4,
  staged: false,
});

/** Multiply-adds (rows · k · n at the bounds) from which a matmul gets the large CPU tiles. */
export const CPU_LARGE_MATMUL_WORK = 2 ** 30;

/**
 * Multiply-adds (rows · k · n at the bounds) below which one kernel with the one-row tile
 * (CPU_DECODE_MATMUL_TILE) serves every phase on CPU adapters: the prefill of 2²⁴ multiply-adds
 * takes a few milliseconds even with the row tile's more loads per multiply-add, while a separate
 * decode kernel costs its compilation (0.1–0.5 s) in every process that loads the model.
 */
export const CPU_ROW_MATMUL_WORK = 2 ** 24;

/** The CPU tile for gated matmuls (gate and up): half the columns, the same 256 accumulators. */
export const CPU_GATED_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 32,
  cols: 16,
  k: 16,
  perThreadRows: 16,
  perThreadCols: 8,
  staged: false,
});

/**
 * The CPU tile for decode steps (one row per sequence), and for whole matmuls under
 * CPU_ROW_MATMUL_WORK: one row per invocation, 16 columns, so no invocation computes rows that do
 * not exist (a 16-row tile would waste 15/16 of its work at decode).
 */
export const CPU_DECODE_MATMUL_TILE: Readonly<MatmulTile> = Object.freeze({
  rows: 1,
  cols: 64,
  k: 16,
  perThreadRows: 1,
  perThreadCols: 16,
  staged: false,
});

/** What a matmul is used for, when choosing its tile. */
export interface MatmulUse {
  /** Two weight matrices (a gated MLP's gate and up). */
  gated?: boolean;
  /** A decode step: one row per sequence. */
  decode?: boolean;
  /** Multiply-adds of one dispatch at the bounds, rows · k · n (absent: large). */
  work?: number;
}

/** The tile to use before anything is measured, by adapter kind and use (see the header). */
export function defaultMatmulTile(kind: "gpu" | "cpu", use: MatmulUse = {}): Readonly<MatmulTile> {
  if (kind === "gpu") return use.decode ? GPU_DECODE_MATMUL_TILE : DEFAULT_MATMUL_TILE;
  if (use.decode || cpuRowTileServesAll(use)) return CPU_DECODE_MATMUL_TILE;
  if (use.work !== undefined && use.work < CPU_LARGE_MATMUL_WORK) return CPU_SMALL_MATMUL_TILE;
  return use.gated ? CPU_GATED_MATMUL_TILE : CPU_MATMUL_TILE;
}

/**
 * Whether, on a CPU adapter, one kernel with the one-row tile serves a matmul in every phase
 * (prefill and decode alike), because it is too small for a second kernel to pay for its
 * compilation (see CPU_ROW_MATMUL_WORK).
 */
export function cpuRowTileServesAll(use: MatmulUse): boolean {
  return use.work !== undefined && use.work < CPU_ROW_MATMUL_WORK;
}

/** Tiles worth measuring on a new device: all fit the baseline limits, plain and gated. */
export const MATMUL_TILE_CANDIDATES: readonly Readonly<MatmulTile>[] = Object.freeze([
  DEFAULT_MATMUL_TILE,
  { rows: 64, cols: 64, k: 16, perThreadRows: 4, perThreadCols: 4 },
  { rows: 32, cols: 32, k: 16, perThreadRows: 4, perThreadCols: 4 },
  { rows: 64, cols: 64, k: 16, perThreadRows: 8, perThreadCols: 8 },
  { rows: 128, cols: 64, k: 8, perThreadRows: 8, perThreadCols: 8 },
  { rows: 32, cols: 32, k: 32, perThreadRows: 8, perThreadCols: 8 },
  { rows: 32, cols: 32, k: 16, perThreadRows: 4, perThreadCols: 4, staged: false },
  CPU_SMALL_MATMUL_TILE,
  CPU_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
]);

const TILE_KEYS = new Set(["rows", "cols", "k", "perThreadRows", "perThreadCols", "staged"]);

/** The x tile and W tile(s) in workgroup memory hold vec4 rows padded to an odd stride. */
export function tileStrideVec4(tile: MatmulTile): number {
  const k4 = tile.k / 4;
  // An odd stride (in 16-byte vec4s) puts consecutive tile rows in distinct banks on GPUs.
  return k4 % 2 === 0 ? k4 + 1 : k4;
}

/** Bytes of workgroup memory a tile needs: one x tile and one W tile per weight matrix. */
export function matmulWorkgroupBytes(tile: MatmulTile, weightMatrices: 1 | 2): number {
  if (tile.staged === false) return 0;
  return (tile.rows + weightMatrices * tile.cols) * tileStrideVec4(tile) * 16;
}

/** Why a tile is not usable (shape or limits), or undefined when it is. */
export function matmulTileProblem(
  tile: MatmulTile,
  weightMatrices: 1 | 2,
  limits: MatmulLimits = WEBGPU_BASELINE_LIMITS,
): string | undefined {
  const { rows, cols, k, perThreadRows, perThreadCols } = tile;
  for (const [name, value] of Object.entries({ rows, cols, k, perThreadRows, perThreadCols })) {
    if (!Number.isSafeInteger(value) || value < 1)
      return `tile.${name} must be a positive integer, got ${value}`;
  }
  const extra = Object.keys(tile).filter((key) => !TILE_KEYS.has(key));
  if (extra.length > 0)
    return `unknown tile field${extra.length > 1 ? "s" : ""} ${extra.join(", ")}`;
  if (tile.staged !== undefined && typeof tile.staged !== "boolean")
    return `tile.staged must be a boolean, got ${String(tile.staged)}`;
  if (tile.staged !== false && k % 4 !== 0)
    return `tile.k must be a multiple of 4 (tiles hold vec4 along k), got ${k}`;
  if (rows % perThreadRows !== 0)
    return `tile.perThreadRows ${perThreadRows} must divide tile.rows ${rows}`;
  if (cols % perThreadCols !== 0)
    return `tile.perThreadCols ${perThreadCols} must divide tile.cols ${cols}`;
  const x = cols / perThreadCols;
  const y = rows / perThreadRows;
  if (x * y > limits.invocations)
    return `tile needs ${x}×${y} = ${x * y} invocations per workgroup, the limit is ${limits.invocations}`;
  if (Math.max(x, y) > limits.workgroupSizeXY)
    return `tile needs a workgroup ${x}×${y}, the per-axis limit is ${limits.workgroupSizeXY}`;
  const bytes = matmulWorkgroupBytes(tile, weightMatrices);
  if (bytes > limits.workgroupStorageBytes)
    return `tile needs ${bytes} bytes of workgroup memory, the limit is ${limits.workgroupStorageBytes}`;
  return undefined;
}

/**
 * Picks the tile with the lowest measured time. `measure` runs a representative matmul with the
 * tile on the target device and returns its time (any unit; the median of a few runs after a
 * warm-up is a good one). Tiles are chosen per device by measurement, not by guessing: the
 * runtime can call this once per adapter and cache the answer by adapter description.
 */
export async function chooseMatmulTile(
  measure: (tile: Readonly<MatmulTile>) => number | Promise<number>,
  candidates: readonly Readonly<MatmulTile>[] = MATMUL_TILE_CANDIDATES,
): Promise<Readonly<MatmulTile>> {
  let best: { tile: Readonly<MatmulTile>; time: number } | undefined;
  for (const tile of candidates) {
    const time = await measure(tile);
    if (Number.isFinite(time) && (!best || time < best.time)) best = { tile, time };
  }
  return best?.tile ?? DEFAULT_MATMUL_TILE;
}

/** What a tile is chosen for: plain matmuls, gated (gate and up) ones, and decode steps. */
export const MATMUL_USES = ["plain", "gated", "decode"] as const;
export type MatmulUseName = (typeof MATMUL_USES)[number];

/** One tile per use, measured on a device (`loom tune`) to replace the defaults by kind. */
export type MatmulTiles = Readonly<Record<MatmulUseName, Readonly<MatmulTile>>>;

/** The use a matmul falls under. */
export function matmulUseName(use: MatmulUse): MatmulUseName {
  return use.decode ? "decode" : use.gated ? "gated" : "plain";
}

/**
 * The tile of one matmul: the measured tile of its use when there is one (`loom tune`), except
 * that matmuls under CPU_LARGE_MATMUL_WORK on CPU adapters keep their default tile (compiling a
 * large tile costs them more than it saves, see CPU_SMALL_MATMUL_TILE); otherwise the default by
 * adapter kind.
 */
export function matmulTileFor(
  kind: "gpu" | "cpu",
  use: MatmulUse,
  tuned?: MatmulTiles,
): Readonly<MatmulTile> {
  const small =
    kind === "cpu" && !use.decode && use.work !== undefined && use.work < CPU_LARGE_MATMUL_WORK;
  return tuned && !small ? tuned[matmulUseName(use)] : defaultMatmulTile(kind, use);
}

/** A tile in a few words: "64x64x16 per-thread 8x4", "32x32 unstaged per-thread 16x16". */
export function describeTile(t: Readonly<MatmulTile>): string {
  return `${t.rows}x${t.cols}${t.staged === false ? " unstaged" : `x${t.k}`} per-thread ${t.perThreadRows}x${t.perThreadCols}`;
}
