/**
 * matmulKernel against the CPU reference (`linear` + `activations`, float64), on whatever adapter
 * this machine has (SwiftShader without a GPU). Error measure: max over outputs of
 * |a − b| / max(1, |b|), a the kernel's f32 output and b the reference; it must be ≤ 1e-4.
 * Shapes include ones that are multiples of no tile (rows 1, 3, 17; k 5, 13; n 1, 7, 33).
 */
import { afterAll, describe, expect, it } from "vitest";
import { linear } from "../../src/runtime/reference/linear.ts";
import { activations } from "../../src/runtime/reference/math.ts";
import { tensor } from "../../src/contracts/tensor.ts";
import { acquireNodeDevice, NoAdapterError } from "../../src/runtime/webgpu/device.ts";
import {
  ACTIVATION_NAMES,
  type ActivationName,
} from "../../src/compiler/codegen/activations.wgsl.ts";
import {
  CPU_DECODE_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
  CPU_MATMUL_TILE,
  CPU_SMALL_MATMUL_TILE,
  chooseMatmulTile,
  DEFAULT_MATMUL_TILE,
  defaultMatmulTile,
  GPU_DECODE_MATMUL_TILE,
  MATMUL_TILE_CANDIDATES,
  matmulKernel,
  type MatmulOptions,
  type MatmulTile,
} from "../../src/compiler/codegen/matmul.ts";
import { matmulTileProblem, matmulWorkgroupBytes } from "../../src/compiler/codegen/matmul-tile.ts";
import { runKernel } from "../../src/runtime/webgpu/run-kernel.ts";

const gpu = await acquireNodeDevice().catch((error: unknown) => {
  if (error instanceof NoAdapterError) return undefined;
  throw error;
});

/** The tolerance: max |a − b| / max(1, |b|) in f32. */
const TOLERANCE = 1e-4;
let worstSeen = 0;

/** Deterministic uniform values in [−1, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** The reference: residual + scale · act(x·Wᵀ + b), or the gated form, in float64. */
function reference(
  options: MatmulOptions,
  rows: number,
  data: Record<string, Float32Array>,
): Float64Array {
  const { k, n } = options;
  const x = tensor([rows, k], data["x"]!);
  const project = (w: string, b: string) =>
    linear(x, tensor([n, k], data[w]!), options.bias ? tensor([n], data[b]!) : undefined).data;
  let y: Float64Array;
  if (options.gated) {
    const act =
      activations[
        options.activation === "none"
          ? options.gated === "swiglu"
            ? "silu"
            : "gelu"
          : options.activation
      ]!;
    const gate = project("w_gate", "bias_gate");
    const up = project("w_up", "bias_up");
    y = gate.map((g, i) => act(g) * up[i]!);
  } else {
    const act = options.activation === "none" ? (v: number) => v : activations[options.activation]!;
    y = project("w", "bias").map(act);
  }
  const scale = options.scale ?? 1;
  const residual = data["residual"];
  return y.map((v, i) => (residual ? residual[i]! : 0) + scale * v);
}

/** Runs the kernel of `options` at each rows count on seeded data; returns the worst error. */
async function check(options: MatmulOptions, rowsList: number[], seed = 1): Promise<number> {
  const kernel = matmulKernel(options);
  let worst = 0;
  for (const rows of rowsList) {
    const next = random(seed * 7919 + rows);
    const fill = (count: number) => Float32Array.from({ length: count }, next);
    const { k, n } = options;
    const data: Record<string, Float32Array> = { x: fill(rows * k), y: new Float32Array(rows * n) };
    for (const w of options.gated ? ["w_gate", "w_up"] : ["w"]) data[w] = fill(n * k);
    if (options.bias)
      for (const b of options.gated ? ["bias_gate", "bias_up"] : ["bias"]) data[b] = fill(n);
    if (options.residual) data["residual"] = fill(rows * n);
    const got = (await runKernel(gpu!.device, kernel, data, { rows }))["y"]!;
    const want = reference(options, rows, data);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const error = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
      worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
    }
  }
  worstSeen = Math.max(worstSeen, worst);
  expect(worst, `${options.name} (${JSON.stringify(options)})`).toBeLessThanOrEqual(TOLERANCE);
  return worst;
}

const ROWS = [1, 3, 17, 64];
const KS = [5, 13, 64, 96];
const NS = [1, 7, 33, 128];
const SMALL_TILE: MatmulTile = { rows: 16, cols: 16, k: 8, perThreadRows: 2, perThreadCols: 2 };

afterAll(() => {
  if (process.env["LOOM_REPORT_ERRORS"])
    console.log(`matmul: worst relative error seen ${worstSeen.toExponential(2)}`);
});

/**
 * The tiles the correctness tests run. On SwiftShader a kernel's first dispatch compiles it, in
 * time that grows with the tile's unrolled code: the default tile (128 invocations of 8×4 outputs,
 * staged) takes ~2–4 s and the large CPU tiles 1–2 s, against ~0.2 s for the small ones. So the
 * small tiles run every shape, and the default and large CPU tiles a sample.
 */
const TILES: [string, MatmulTile][] = [
  ["small staged tile", SMALL_TILE],
  ["CPU tile for small matmuls", CPU_SMALL_MATMUL_TILE],
  ["CPU decode tile", CPU_DECODE_MATMUL_TILE],
  ["GPU decode tile", GPU_DECODE_MATMUL_TILE],
];

/** (k, n) pairs for the large tiles: scalar loads, ragged n, one column, a full tile. */
const LARGE_TILE_PAIRS = [
  [13, 7],
  [5, 33],
  [64, 1],
  [96, 128],
] as const;

describe.skipIf(!gpu)("matmulKernel on WebGPU", () => {
  // Every (k, n) pair at every rows count; activation and bias rotate across the pairs.
  for (const [label, tile] of TILES) {
    it(`shapes: rows ${ROWS}, k ${KS}, n ${NS} (${label})`, async () => {
      let i = 0;
      for (const k of KS) {
        for (const n of NS) {
          const activation = ACTIVATION_NAMES[i % ACTIVATION_NAMES.length]!;
          await check(
            { name: `shape_${k}_${n}`, k, n, bias: i % 2 === 0, activation, tile },
            ROWS,
            i,
          );
          i++;
        }
      }
    });
  }

  it("shapes with the large CPU tiles, plain and gated", async () => {
    for (const [i, [k, n]] of LARGE_TILE_PAIRS.entries()) {
      const activation = ACTIVATION_NAMES[i % ACTIVATION_NAMES.length]!;
      const plain = { name: `large_${k}_${n}`, k, n, bias: i % 2 === 0, activation };
      await check({ ...plain, tile: CPU_MATMUL_TILE }, [...ROWS, 65], i);
      const gated = { ...plain, name: `large_gated_${k}_${n}`, gated: "swiglu" as const };
      await check({ ...gated, activation: "none", tile: CPU_GATED_MATMUL_TILE }, [3, 40], i);
    }
  });

  it("shapes with the default tile", async () => {
    // Scalar loads with a ragged n; vec4 loads with a ragged last k step (72 % 16 = 8).
    const pairs = [
      [13, 33],
      [72, 128],
    ] as const;
    for (const [i, [k, n]] of pairs.entries()) {
      const activation = ACTIVATION_NAMES[(i + 1) % ACTIVATION_NAMES.length]!;
      await check(
        { name: `default_${k}_${n}`, k, n, bias: i % 2 === 1, activation },
        [...ROWS, 65],
        i,
      );
    }
  });

  it("every activation, bias on and off", async () => {
    for (const activation of ACTIVATION_NAMES) {
      for (const bias of [true, false]) {
        for (const [, tile] of TILES)
          await check(
            { name: `act_${activation}_${bias}`, k: 96, n: 33, bias, activation, tile },
            [17],
          );
      }
    }
  });

  it("gated: swiglu and geglu (gelu, gelu_tanh), bias on and off, one pass", async () => {
    const cases: [MatmulOptions["gated"], ActivationName, boolean, number, number][] = [
      ["swiglu", "none", false, 64, 33],
      ["swiglu", "silu", true, 13, 7],
      ["geglu", "none", true, 96, 128],
      ["geglu", "gelu_tanh", false, 5, 33],
    ];
    for (const [gated, activation, bias, k, n] of cases) {
      for (const [, tile] of TILES)
        await check(
          { name: `gated_${gated}_${k}_${n}`, k, n, bias, activation, gated, tile },
          [3, 17, 64],
        );
    }
  });

  it("residual add and scale in the epilogue", async () => {
    const [small, cpu] = [SMALL_TILE, CPU_MATMUL_TILE];
    await check(
      { name: "res", k: 64, n: 128, bias: true, activation: "none", residual: true, tile: small },
      [1, 17],
    );
    await check(
      {
        name: "res_scale",
        k: 96,
        n: 33,
        bias: true,
        activation: "gelu_tanh",
        residual: true,
        scale: 0.5,
        tile: cpu,
      },
      [3, 64],
    );
    await check(
      {
        name: "scale_bias",
        k: 13,
        n: 7,
        bias: true,
        activation: "none",
        scale: -1.25,
        tile: small,
      },
      [17],
    );
    await check(
      {
        name: "scale_head",
        k: 64,
        n: 33,
        bias: false,
        activation: "none",
        scale: 1 / Math.sqrt(64),
        tile: cpu,
      },
      [3],
    );
    const gated: MatmulOptions = {
      name: "res_swiglu",
      k: 64,
      n: 33,
      bias: true,
      activation: "none",
      gated: "swiglu",
      residual: true,
      scale: 2,
    };
    await check({ ...gated, tile: small }, [17]);
    await check(gated, [17, 64]); // the default tile, gated
  });

  it("other tiles: odd per-thread blocks, short k steps, partial tile loads, unstaged scalar loads", async () => {
    const tiles: MatmulTile[] = [
      { rows: 12, cols: 8, k: 12, perThreadRows: 3, perThreadCols: 2 }, // TK4 = 3: odd stride, 16 threads
      { rows: 24, cols: 20, k: 4, perThreadRows: 3, perThreadCols: 5 }, // 32 threads, partial x/W loads
      { rows: 32, cols: 32, k: 16, perThreadRows: 8, perThreadCols: 8 }, // 16 threads, 2 loads each
      { rows: 8, cols: 12, k: 4, perThreadRows: 2, perThreadCols: 3, staged: false },
    ];
    for (const [t, tile] of tiles.entries()) {
      await check(
        { name: `tile_${t}`, k: 13, n: 33, bias: true, activation: "relu", tile },
        [3, 17],
      );
      await check(
        {
          name: `tile_${t}_v4`,
          k: 96,
          n: 7,
          bias: false,
          activation: "silu",
          tile,
          residual: true,
        },
        [17, 64],
      );
    }
  });
});

describe("matmulKernel output", () => {
  it("binds params, x, weights, biases, residual, y in that order", () => {
    const names = (o: Partial<MatmulOptions>) =>
      matmulKernel({ name: "b", k: 8, n: 8, bias: false, activation: "none", ...o }).bindings.map(
        (b) => `${b.name}:${b.access}`,
      );
    expect(names({})).toEqual(["params:uniform", "x:read", "w:read", "y:read_write"]);
    expect(names({ bias: true, residual: true })).toEqual([
      "params:uniform",
      "x:read",
      "w:read",
      "bias:read",
      "residual:read",
      "y:read_write",
    ]);
    expect(names({ bias: true, gated: "swiglu", residual: true })).toEqual([
      "params:uniform",
      "x:read",
      "w_gate:read",
      "w_up:read",
      "bias_gate:read",
      "bias_up:read",
      "residual:read",
      "y:read_write",
    ]);
  });

  it("starts with a commented const prelude and reports its workgroup memory exactly", () => {
    const kernel = matmulKernel({
      name: "mlp_up",
      k: 768,
      n: 3072,
      bias: true,
      activation: "gelu",
    });
    const lines = kernel.wgsl.split("\n");
    expect(lines[0]).toBe("// Loom matmul `mlp_up`: y[rows, N] = gelu(x·wᵀ + bias)");
    expect(kernel.wgsl).toContain("const K: u32 = 768u; // in width");
    expect(kernel.wgsl).toContain("const N: u32 = 3072u; // out width");
    expect(kernel.wgsl).toContain("const K4: u32 = 192u; // K / 4");
    // (64 + 64) rows of 16 vec4 + 1 pad, 16 bytes each.
    expect(kernel.workgroupStorageBytes).toBe((64 + 64) * 5 * 16);
    const declared = [
      ...kernel.wgsl.matchAll(/var<workgroup> \w+: array<vec4<f32>, (TM|TN) \* STRIDE>/g),
    ].length;
    expect(declared).toBe(2);
    expect(kernel.workgroupSize).toEqual([16, 8, 1]);
    expect(kernel.dispatch).toEqual([48, { expr: "rows", divisor: 64 }, 1]);
    expect(kernel.params).toEqual([{ name: "rows", value: "rows" }]);
    const gated = matmulKernel({
      name: "g",
      k: 768,
      n: 3072,
      bias: false,
      activation: "none",
      gated: "swiglu",
    });
    expect(gated.workgroupStorageBytes).toBe((64 + 2 * 64) * 5 * 16);
    expect(gated.workgroupStorageBytes).toBeLessThanOrEqual(16384);
    expect(
      matmulKernel({
        name: "c",
        k: 768,
        n: 3072,
        bias: false,
        activation: "none",
        tile: CPU_MATMUL_TILE,
      }).workgroupStorageBytes,
    ).toBe(0);
  });

  it("chooses scalar loads when k % 4 != 0 and vec4 loads otherwise, at generation time", () => {
    const scalar = matmulKernel({ name: "s", k: 13, n: 8, bias: false, activation: "none" }).wgsl;
    expect(scalar).toContain("var<storage, read> x: array<f32>;");
    const vector = matmulKernel({ name: "v", k: 12, n: 8, bias: false, activation: "none" }).wgsl;
    expect(vector).toContain("var<storage, read> x: array<vec4<f32>>;");
    expect(vector).toContain("var<storage, read> w: array<vec4<f32>>;");
  });

  it("every candidate and default tile fits WebGPU's baseline limits, plain and gated", () => {
    const cpuTiles = [
      CPU_MATMUL_TILE,
      CPU_GATED_MATMUL_TILE,
      CPU_DECODE_MATMUL_TILE,
      CPU_SMALL_MATMUL_TILE,
      GPU_DECODE_MATMUL_TILE,
    ];
    for (const tile of [...MATMUL_TILE_CANDIDATES, DEFAULT_MATMUL_TILE, ...cpuTiles]) {
      expect(matmulTileProblem(tile, 1)).toBeUndefined();
      expect(matmulTileProblem(tile, 2)).toBeUndefined();
      expect(matmulWorkgroupBytes(tile, 2)).toBeLessThanOrEqual(16384);
    }
    expect(defaultMatmulTile("gpu")).toBe(DEFAULT_MATMUL_TILE);
    expect(defaultMatmulTile("cpu")).toBe(CPU_MATMUL_TILE);
    // rows · k · n: under 2^24 one row-tiled kernel, under 2^30 the small tile, then the large one.
    expect(defaultMatmulTile("cpu", { work: 128 * 128 * 384 })).toBe(CPU_DECODE_MATMUL_TILE);
    expect(defaultMatmulTile("cpu", { work: 2 ** 24 })).toBe(CPU_SMALL_MATMUL_TILE);
    expect(defaultMatmulTile("cpu", { work: 2 ** 30 - 1 })).toBe(CPU_SMALL_MATMUL_TILE);
    expect(defaultMatmulTile("cpu", { work: 1024 * 768 * 3072 })).toBe(CPU_MATMUL_TILE);
    expect(defaultMatmulTile("cpu", { gated: true })).toBe(CPU_GATED_MATMUL_TILE);
    expect(defaultMatmulTile("cpu", { gated: true, decode: true })).toBe(CPU_DECODE_MATMUL_TILE);
    expect(defaultMatmulTile("gpu", { decode: true })).toBe(GPU_DECODE_MATMUL_TILE);
  });

  it("refuses bad options with a RangeError that says why", () => {
    const base: MatmulOptions = { name: "bad", k: 64, n: 64, bias: false, activation: "none" };
    const bad = (o: Partial<MatmulOptions> & Record<string, unknown>) => () =>
      matmulKernel({ ...base, ...o } as MatmulOptions);
    expect(bad({ k: 0 })).toThrow(/k must be a positive integer/);
    expect(bad({ n: 2.5 })).toThrow(/n must be a positive integer/);
    expect(bad({ activation: "tanh" as ActivationName })).toThrow(/unknown activation/);
    expect(bad({ gated: "swiglu", activation: "gelu" })).toThrow(
      /swiglu gates with silu, not gelu/,
    );
    expect(bad({ scale: Number.NaN })).toThrow(/scale must be a finite number/);
    expect(bad({ bogus: 1 })).toThrow(/unknown option `bogus`/);
    expect(bad({ tile: { ...SMALL_TILE, k: 6 } })).toThrow(/multiple of 4/);
    expect(bad({ tile: { ...SMALL_TILE, perThreadRows: 3 } })).toThrow(/must divide tile.rows/);
    expect(
      bad({ tile: { rows: 64, cols: 64, k: 16, perThreadRows: 2, perThreadCols: 2 } }),
    ).toThrow(/1024 invocations/);
    expect(
      bad({ tile: { rows: 128, cols: 128, k: 16, perThreadRows: 8, perThreadCols: 8 } }),
    ).toThrow(/20480 bytes of workgroup memory/);
    expect(bad({ tile: { ...SMALL_TILE, extra: 1 } as MatmulTile })).toThrow(
      /unknown tile field extra/,
    );
    // A device with more workgroup memory may allow it.
    const big = { rows: 128, cols: 128, k: 16, perThreadRows: 8, perThreadCols: 8 };
    expect(
      matmulKernel({ ...base, tile: big, limits: { workgroupStorageBytes: 32768 } })
        .workgroupStorageBytes,
    ).toBe(20480);
  });

  it("chooseMatmulTile keeps the fastest measured tile", async () => {
    const times = new Map(MATMUL_TILE_CANDIDATES.map((t, i) => [t, i === 2 ? 1 : 10 + i]));
    expect(await chooseMatmulTile((t) => times.get(t)!)).toBe(MATMUL_TILE_CANDIDATES[2]);
    expect(await chooseMatmulTile(() => Number.NaN)).toBe(DEFAULT_MATMUL_TILE);
  });
});
