import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordedTiles, recordTiles } from "../../src/api/tile-cache.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import {
  CPU_DECODE_MATMUL_TILE,
  DEFAULT_MATMUL_TILE,
  GPU_DECODE_MATMUL_TILE,
  type MatmulTile,
  type MatmulTiles,
} from "../../src/compiler/codegen/matmul-tile.ts";
import { tuneMatmulTiles } from "../../src/api/tune.ts";
import { runLoom } from "../cli/run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-tune-"));
const ir = (spec: string) => checkSpec(spec, (p) => readFileSync(p, "utf8")).models[0]!.ir!;

/** Three tiles no default uses, so the plan shows where each went. */
const tuned: MatmulTiles = {
  plain: { rows: 16, cols: 16, k: 8, perThreadRows: 2, perThreadCols: 2 },
  gated: { rows: 16, cols: 8, k: 8, perThreadRows: 2, perThreadCols: 1 },
  decode: { rows: 1, cols: 32, k: 16, perThreadRows: 1, perThreadCols: 8, staged: false },
};
const wgSize = (t: MatmulTile) => [t.cols / t.perThreadCols, t.rows / t.perThreadRows, 1];

describe("lowering with measured tiles", () => {
  it("gives plain, gated and decode matmuls their measured tile", () => {
    const plan = lowerToPlan(ir("specs/tiny-llama.loom"), { target: "gpu", tiles: tuned }).plan!;
    const matmuls = plan.kernels.filter((k) => k.name.startsWith("matmul_"));
    expect(matmuls.length).toBeGreaterThan(0);
    for (const kernel of matmuls) {
      expect(kernel.name).toContain("_tuned");
      const use = kernel.name.endsWith("_decode")
        ? "decode"
        : kernel.name.includes("_swiglu")
          ? "gated"
          : "plain";
      expect(kernel.workgroupSize, kernel.name).toEqual(wgSize(tuned[use]));
    }
    const steps = plan.steps.filter((s) => s.kernel.startsWith("matmul_"));
    expect(steps.some((s) => s.when === "decode")).toBe(true);
    expect(steps.some((s) => s.when === "prefill")).toBe(true);
  });

  it("without measured tiles, a GPU plan gives decode steps the one-row GPU tile", () => {
    const plan = lowerToPlan(ir("specs/tiny-gpt.loom"), { target: "gpu" }).plan!;
    const matmuls = plan.kernels.filter((k) => k.name.startsWith("matmul_"));
    const decode = matmuls.filter((k) => k.name.endsWith("_decode"));
    expect(decode.length).toBeGreaterThan(0);
    expect(decode.length * 2).toBe(matmuls.length); // a prefill and a decode kernel each
    for (const kernel of matmuls)
      expect(kernel.workgroupSize, kernel.name).toEqual(
        wgSize(kernel.name.endsWith("_decode") ? GPU_DECODE_MATMUL_TILE : DEFAULT_MATMUL_TILE),
      );
  });

  it("keeps the default tiles for small matmuls on CPU adapters: one row-tiled kernel each", () => {
    // tiny-gpt's largest matmul, the head, is 64 rows · 64 · 256 = 2^20 multiply-adds < 2^24.
    const plan = lowerToPlan(ir("specs/tiny-gpt.loom"), { target: "cpu", tiles: tuned }).plan!;
    const matmuls = plan.kernels.filter((k) => k.name.startsWith("matmul_"));
    expect(matmuls.length).toBeGreaterThan(0);
    for (const kernel of matmuls) {
      expect(kernel.name).not.toMatch(/_decode$/);
      expect(kernel.workgroupSize, kernel.name).toEqual(wgSize(CPU_DECODE_MATMUL_TILE));
    }
  });
});

describe("tuneMatmulTiles", () => {
  it("measures every candidate of every use and keeps the fastest of each", async () => {
    const { device } = await acquireNodeDevice();
    const candidates = [tuned.plain, tuned.decode];
    const { tiles, timings } = await tuneMatmulTiles(device, {
      runs: 1,
      candidates: () => candidates,
    });
    for (const use of ["plain", "gated", "decode"] as const) {
      const mine = timings.filter((t) => t.use === use);
      expect(mine.map((t) => t.tile)).toEqual(candidates);
      const fastest = mine.reduce((a, b) => (b.milliseconds < a.milliseconds ? b : a));
      expect(tiles[use]).toBe(fastest.tile);
    }
  });
});

describe("loom tune", () => {
  it("measures every candidate, records the fastest per use for this adapter, and prints them", async () => {
    const saved = process.env["LOOM_TILE_CACHE"];
    const path = join(dir, "tuned", "tiles.json");
    process.env["LOOM_TILE_CACHE"] = path;
    try {
      const run = await runLoom("tune", "--runs", "1", "--json");
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout) as {
        adapter: string;
        tiles: MatmulTiles;
        timings: { use: keyof MatmulTiles; tile: MatmulTile; milliseconds: number }[];
        recordedIn: string;
      };
      expect(printed.recordedIn).toBe(path);
      for (const use of ["plain", "gated", "decode"] as const) {
        const mine = printed.timings.filter((t) => t.use === use);
        expect(mine.length).toBeGreaterThan(3);
        const fastest = mine.reduce((a, b) => (b.milliseconds < a.milliseconds ? b : a));
        expect(printed.tiles[use]).toEqual(fastest.tile);
      }
      const recorded = recordedTiles(printed.adapter, path);
      expect(recorded && "tiles" in recorded && recorded.tiles).toEqual(printed.tiles);
    } finally {
      if (saved === undefined) delete process.env["LOOM_TILE_CACHE"];
      else process.env["LOOM_TILE_CACHE"] = saved;
    }
  }, 300_000);
});

describe("run and generate with a tile cache", () => {
  const saved = process.env["LOOM_TILE_CACHE"];
  afterEach(() => {
    if (saved === undefined) delete process.env["LOOM_TILE_CACHE"];
    else process.env["LOOM_TILE_CACHE"] = saved;
  });

  it("lower with the tiles recorded for the adapter, and ignore a bad cache with a warning", async () => {
    const { description } = await acquireNodeDevice();
    const reference = await runLoom(
      ..."generate specs/tiny-llama.loom --backend cpu --tokens 3,1,4 --max-tokens 5".split(" "),
    );
    const path = join(dir, "tiles.json");
    process.env["LOOM_TILE_CACHE"] = path;
    recordTiles(description, tuned, path);
    const withTiles = await runLoom(
      ..."generate specs/tiny-llama.loom --tokens 3,1,4 --max-tokens 5".split(" "),
    );
    expect(withTiles.code).toBe(0);
    expect(withTiles.stderr).toMatch(/matmul tiles measured on this adapter by `loom tune`/);
    expect(withTiles.stdout).toBe(reference.stdout);

    writeFileSync(path, "{ not json");
    const bad = await runLoom(
      ..."generate specs/tiny-llama.loom --tokens 3,1,4 --max-tokens 5".split(" "),
    );
    expect(bad.code).toBe(0);
    expect(bad.stderr).toMatch(/warning: the tile cache is ignored: .*is not JSON.*loom tune/);
    expect(bad.stdout).toBe(reference.stdout);
  });
});
