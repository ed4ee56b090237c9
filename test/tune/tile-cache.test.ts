import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordedTiles, recordTiles } from "../../src/api/tile-cache.ts";
import {
  CPU_DECODE_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
  CPU_MATMUL_TILE,
  DEFAULT_MATMUL_TILE,
  type MatmulTiles,
} from "../../src/compiler/codegen/matmul-tile.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-tiles-"));
const tiles: MatmulTiles = {
  plain: CPU_MATMUL_TILE,
  gated: CPU_GATED_MATMUL_TILE,
  decode: CPU_DECODE_MATMUL_TILE,
};

describe("the tile cache", () => {
  it("has nothing for an adapter until tiles are recorded, then returns them", () => {
    const path = join(dir, "a", "tiles.json");
    expect(recordedTiles("adapter one", path)).toBeUndefined();
    recordTiles("adapter one", tiles, path);
    recordTiles("adapter two", { ...tiles, plain: DEFAULT_MATMUL_TILE }, path);
    const one = recordedTiles("adapter one", path);
    expect(one && "tiles" in one && one.tiles).toEqual(tiles);
    const two = recordedTiles("adapter two", path);
    expect(two && "tiles" in two && two.tiles.plain).toEqual(DEFAULT_MATMUL_TILE);
    expect(recordedTiles("adapter three", path)).toBeUndefined();
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });

  it("reports a file that is not JSON, has the wrong shape or holds a tile no device can run", () => {
    const cases: [string, RegExp][] = [
      ["{ not json", /is not JSON/],
      [JSON.stringify({ version: 2, adapters: {} }), /version/],
      [
        JSON.stringify({
          version: 1,
          adapters: {
            gpu: {
              tiles: { ...tiles, plain: { ...CPU_MATMUL_TILE, cols: 0 } },
              measured: "",
              loom: "",
            },
          },
        }),
        /adapters\.gpu\.tiles\.plain\.cols/,
      ],
      [
        JSON.stringify({
          version: 1,
          adapters: {
            gpu: {
              tiles: {
                ...tiles,
                plain: { ...CPU_MATMUL_TILE, perThreadRows: 1, perThreadCols: 1 },
              },
              measured: "",
              loom: "",
            },
          },
        }),
        /adapter "gpu", plain tile: .*invocations/,
      ],
    ];
    for (const [content, message] of cases) {
      const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, content);
      const got = recordedTiles("gpu", path);
      expect(got && "problem" in got && got.problem).toMatch(message);
    }
  });

  it("moves a bad file aside instead of overwriting it when recording", () => {
    const path = join(dir, "moved.json");
    writeFileSync(path, "{ not json");
    expect(recordTiles("adapter", tiles, path)).toEqual({ movedAside: `${path}.bad` });
    expect(readFileSync(`${path}.bad`, "utf8")).toBe("{ not json");
    const got = recordedTiles("adapter", path);
    expect(got && "tiles" in got && got.tiles).toEqual(tiles);
  });
});
