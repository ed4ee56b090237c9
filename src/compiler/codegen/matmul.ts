/**
 * The matmul kernel generator: y[rows, n] = epilogue(x[rows, k] · W[n, k]ᵀ), specialised to the
 * static k and n, with `rows` given at run time (params.rows).
 *
 * Design
 * - W stays in PyTorch [out, in] layout, so a row of W and a row of x are both contiguous along k:
 *   both operands are read as vec4 along k (when k % 4 == 0; otherwise as scalars — chosen at
 *   generation time) and each output is a sum of vec4 dot products.
 * - A workgroup computes a tile.rows × tile.cols block of y. Staged (the default): per step of
 *   tile.k along k, its invocations copy an x tile [rows][k/4] and a W tile [cols][k/4] of vec4
 *   into workgroup memory (rows padded to an odd vec4 stride, so GPU banks see no conflicts), then
 *   each invocation accumulates its perThreadRows × perThreadCols outputs in registers. Unstaged
 *   (tile.staged = false, for CPU adapters): the same register blocking, operands read straight
 *   from the storage buffers, no barriers.
 * - Invocation (tx, ty) owns rows ty + r·WG_Y and cols tx + c·WG_X (strided, not blocked):
 *   neighbouring invocations read neighbouring tile rows and write neighbouring y columns.
 * - Any rows, k and n are correct. Reads past the last row of x or W are clamped to it (they only
 *   feed outputs that are never stored), reads past k are zero (they would feed every output),
 *   and stores are guarded. Guards the static dims prove unnecessary are not emitted.
 * - The epilogue is fused: bias, activation, gating (SwiGLU/GeGLU: gate and up accumulators
 *   side by side, one pass over x), scale and residual add, in that order:
 *     y = residual + scale · act(x·Wᵀ + b)                                  (plain)
 *     y = residual + scale · (act(x·W_gateᵀ + b_gate) ⊙ (x·W_upᵀ + b_up))   (gated)
 * - Register-level loops are unrolled by the generator (named accumulators acc_r_c), so no
 *   private array is indexed dynamically; the loop along k stays a loop.
 *
 * - Packed weights (weightFormat f16, q8 or q4; row layouts in src/contracts/weight-format.ts)
 *   are bound as array<u32> and unpacked in registers, four elements at a time, by one function
 *   per weight binding (`w_at(row, q)`: elements 4q … 4q + 3 of row `row` of W as a vec4<f32>),
 *   where a plain kernel reads a vec4 of W: into the W tile when staged, into registers when not.
 *   No f32 copy of W exists in device memory.
 *
 * Limits: by default the tile must fit WebGPU's guaranteed limits (16 KiB workgroup memory, 256
 * invocations); at most 7 storage buffers are bound (gated + biased + residual). The dispatch is
 * ceil(n / tile.cols) × ceil(rows / tile.rows) workgroups (≤ 65535 per axis). Tiles per device:
 * see matmul-tile.ts.
 */
import { type Kernel, type KernelBinding, paramsStruct } from "../../contracts/kernel.ts";
import { packable, Q4_BLOCK, type PackedFormat } from "../../contracts/weight-format.ts";
import { packedRowConstants, unpackVec4 } from "./packed-wgsl.ts";
import {
  ACTIVATION_NAMES,
  type ActivationName,
  activationWgsl,
  applyActivation,
} from "./activations.wgsl.ts";
import {
  DEFAULT_MATMUL_TILE,
  type MatmulLimits,
  type MatmulTile,
  matmulTileProblem,
  matmulWorkgroupBytes,
  tileStrideVec4,
  WEBGPU_BASELINE_LIMITS,
} from "./matmul-tile.ts";

export {
  CPU_DECODE_MATMUL_TILE,
  GPU_DECODE_MATMUL_TILE,
  CPU_GATED_MATMUL_TILE,
  CPU_MATMUL_TILE,
  CPU_SMALL_MATMUL_TILE,
  chooseMatmulTile,
  DEFAULT_MATMUL_TILE,
  defaultMatmulTile,
  MATMUL_TILE_CANDIDATES,
  type MatmulTile,
} from "./matmul-tile.ts";

/** A gated MLP projection: two weight matrices, y = act(x·W_gateᵀ + b_gate) ⊙ (x·W_upᵀ + b_up). */
export type MatmulGate = "swiglu" | "geglu";

/** What to generate: the static dims and the fused epilogue. */
export interface MatmulOptions {
  /** Kernel name (a label in errors and pipelines). */
  name: string;
  /** In width: columns of x and of W. */
  k: number;
  /** Out width: columns of y, rows of W. */
  n: number;
  /** Whether a bias [n] (or bias_gate and bias_up when gated) is added. */
  bias: boolean;
  /** Applied after the bias; when gated, the gate's activation ("none" picks the gate's own). */
  activation: ActivationName;
  /** Two weight matrices, gate and up, in one pass: swiglu (silu gate) or geglu (gelu gate). */
  gated?: MatmulGate;
  /** Adds residual[rows, n] last: the residual-add fusion. */
  residual?: boolean;
  /** Multiplies the result before the residual add (tied or scaled heads). */
  scale?: number;
  /** W packed in this format and unpacked as it is read; f32 when absent. K must be packable. */
  weightFormat?: PackedFormat;
  /** The blocking; DEFAULT_MATMUL_TILE when absent. */
  tile?: MatmulTile;
  /** The device limits the tile must fit; WebGPU's guaranteed limits when absent. */
  limits?: Partial<MatmulLimits>;
}

const OPTION_KEYS = new Set([
  "name",
  "k",
  "n",
  "bias",
  "activation",
  "gated",
  "residual",
  "scale",
  "weightFormat",
  "tile",
  "limits",
]);

/** The activations each gate kind accepts; the first is its default. */
const GATE_ACTIVATIONS: Record<MatmulGate, ActivationName[]> = {
  swiglu: ["silu"],
  geglu: ["gelu", "gelu_tanh"],
};

/** The binding names of a matmul with these options, in binding order. */
export function matmulBindings(
  options: Pick<MatmulOptions, "bias" | "gated" | "residual" | "weightFormat">,
): KernelBinding[] {
  const format = options.weightFormat ? { format: options.weightFormat } : {};
  const weights = options.gated ? ["w_gate", "w_up"] : ["w"];
  const biases = !options.bias ? [] : options.gated ? ["bias_gate", "bias_up"] : ["bias"];
  return [
    { name: "params", access: "uniform" },
    { name: "x", access: "read" },
    ...weights.map((name) => ({ name, access: "read" as const, ...format })),
    ...biases.map((name) => ({ name, access: "read" as const })),
    ...(options.residual ? [{ name: "residual", access: "read" as const }] : []),
    { name: "y", access: "read_write" },
  ];
}

/** Validated options and every derived number the WGSL needs. */
interface Plan {
  name: string;
  k: number;
  n: number;
  bias: boolean;
  residual: boolean;
  gated: MatmulGate | undefined;
  activation: ActivationName;
  scale: number;
  tile: MatmulTile;
  /** W's packed format, or undefined for f32. */
  weightFormat: PackedFormat | undefined;
  staged: boolean;
  /** k % 4 == 0: x and W are bound as array<vec4<f32>>. */
  vec4: boolean;
  PR: number;
  PC: number;
  WG_X: number;
  WG_Y: number;
  THREADS: number;
  TK4: number;
  STRIDE: number;
  /** k is not a multiple of tile.k: the last step reads past k (zeros). */
  kGuard: boolean;
  /** n is not a multiple of tile.cols: some columns of the last tile do not exist. */
  nGuard: boolean;
  /** W bindings, their workgroup tiles and accumulator prefixes, one each per weight matrix. */
  weights: string[];
  tiles: string[];
  accs: string[];
  biases: string[];
}

function plan(options: MatmulOptions): Plan {
  const { name, k, n, bias, gated, residual = false } = options;
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new RangeError(`matmul ${name}: unknown option \`${key}\``);
  }
  for (const [dim, value] of [
    ["k", k],
    ["n", n],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`matmul ${name}: ${dim} must be a positive integer, got ${value}`);
  }
  if (!ACTIVATION_NAMES.includes(options.activation))
    throw new RangeError(`matmul ${name}: unknown activation \`${options.activation}\``);
  let activation = options.activation;
  if (gated !== undefined) {
    const allowed = GATE_ACTIVATIONS[gated];
    if (!allowed)
      throw new RangeError(`matmul ${name}: unknown gate \`${gated}\` (swiglu or geglu)`);
    if (activation === "none") activation = allowed[0]!;
    if (!allowed.includes(activation))
      throw new RangeError(
        `matmul ${name}: ${gated} gates with ${allowed.join(" or ")}, not ${activation}`,
      );
  }
  const weightFormat = options.weightFormat;
  if (weightFormat !== undefined && !packable(weightFormat, k))
    throw new RangeError(
      `matmul ${name}: ${weightFormat} weights need k to be a multiple of ${weightFormat === "q4" ? Q4_BLOCK : 4}, got ${k}`,
    );
  const scale = options.scale ?? 1;
  if (typeof scale !== "number" || !Number.isFinite(scale))
    throw new RangeError(`matmul ${name}: scale must be a finite number, got ${scale}`);
  const tile = options.tile ?? DEFAULT_MATMUL_TILE;
  const problem = matmulTileProblem(tile, gated ? 2 : 1, {
    ...WEBGPU_BASELINE_LIMITS,
    ...options.limits,
  });
  if (problem) throw new RangeError(`matmul ${name}: ${problem}`);
  const staged = tile.staged !== false;
  const WG_X = tile.cols / tile.perThreadCols;
  const WG_Y = tile.rows / tile.perThreadRows;
  return {
    name,
    k,
    n,
    bias,
    residual,
    gated,
    activation,
    scale,
    tile,
    weightFormat,
    staged,
    vec4: k % 4 === 0,
    PR: tile.perThreadRows,
    PC: tile.perThreadCols,
    WG_X,
    WG_Y,
    THREADS: WG_X * WG_Y,
    TK4: tile.k / 4,
    STRIDE: tileStrideVec4(tile),
    kGuard: k % tile.k !== 0,
    nGuard: n % tile.cols !== 0,
    weights: gated ? ["w_gate", "w_up"] : ["w"],
    tiles: gated ? ["ws_gate", "ws_up"] : ["ws"],
    accs: gated ? ["gate", "up"] : ["acc"],
    biases: gated ? ["bias_gate", "bias_up"] : ["bias"],
  };
}

/** Generates the matmul kernel for the given static dims and epilogue; throws RangeError on bad options. */
export function matmulKernel(options: MatmulOptions): Kernel {
  const p = plan(options);
  const bindings = matmulBindings(p);
  const params = [{ name: "rows", value: "rows" }];
  const lines = [
    ...prelude(p),
    paramsStruct(params).trimEnd(),
    ...bindings.flatMap((b, i) => {
      if (b.access === "uniform") return [];
      const type = b.format
        ? "u32"
        : (b.name === "x" || p.weights.includes(b.name)) && p.vec4
          ? "vec4<f32>"
          : "f32";
      return [`@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${type}>;`];
    }),
    "",
    ...(p.weightFormat ? p.weights.flatMap((w) => unpackVec4(p.weightFormat!, w)) : []),
  ];
  if (p.staged) {
    lines.push(
      `var<workgroup> xs: array<vec4<f32>, TM * STRIDE>; // x tile [TM][TK4], row stride STRIDE`,
    );
    for (const t of p.tiles)
      lines.push(
        `var<workgroup> ${t}: array<vec4<f32>, TN * STRIDE>; // W tile [TN][TK4], row stride STRIDE`,
      );
    lines.push("");
  }
  const functions = activationWgsl(p.activation);
  if (functions) lines.push(functions);
  lines.push(
    `@compute @workgroup_size(WG_X, WG_Y, 1)`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {`,
    `  let rows = params.rows;`,
    `  let tile_row = wg.y * TM; // first row of this workgroup's tile`,
    `  let tile_col = wg.x * TN; // first col of this workgroup's tile`,
  );
  for (const a of p.accs) {
    for (let r = 0; r < p.PR; r++)
      lines.push(
        `  ${range(p.PC)
          .map((c) => `var ${a}_${r}_${c} = 0.0;`)
          .join(" ")}`,
      );
  }
  lines.push(...(p.staged ? stagedLoop(p) : directLoop(p)), ...epilogue(p), `}`, "");
  return {
    name: p.name,
    wgsl: lines.join("\n"),
    entryPoint: "main",
    bindings,
    workgroupSize: [p.WG_X, p.WG_Y, 1],
    workgroupStorageBytes: matmulWorkgroupBytes(p.tile, p.gated ? 2 : 1),
    dispatch: [Math.ceil(p.n / p.tile.cols), { expr: "rows", divisor: p.tile.rows }, 1],
    params,
  };
}

/** The header comment and the commented const prelude. */
function prelude(p: Plan): string[] {
  const product = (w: string, b: string) => `x·${w}ᵀ${p.bias ? ` + ${b}` : ""}`;
  let formula = p.gated
    ? `${p.activation}(${product("w_gate", "bias_gate")}) ⊙ (${product("w_up", "bias_up")})`
    : p.activation === "none"
      ? product("w", "bias")
      : `${p.activation}(${product("w", "bias")})`;
  if (p.scale !== 1)
    formula = `SCALE · ${p.gated || p.activation !== "none" ? formula : `(${formula})`}`;
  if (p.residual) formula = `residual + ${formula}`;
  const u = (v: number) => `${v}u`;
  const lines = [
    `// Loom matmul \`${p.name}\`: y[rows, N] = ${formula}`,
    `// x: [rows, K] row-major, ${p.weights.join(" and ")}: [N, K] (PyTorch [out, in]), y: [rows, N]; rows = params.rows.`,
    `// ${p.vec4 ? "vec4 loads along k (K % 4 == 0)" : "scalar loads along k (K % 4 != 0)"}; ${p.staged ? "tiles staged in workgroup memory" : "operands read straight into registers (unstaged)"}.`,
    `const K: u32 = ${u(p.k)}; // in width: cols of x and of W`,
    `const N: u32 = ${u(p.n)}; // out width: cols of y, rows of W`,
  ];
  if (p.vec4) lines.push(`const K4: u32 = ${u(p.k / 4)}; // K / 4: vec4 per row of x and of W`);
  if (p.weightFormat) lines.push(...packedRowConstants(p.weightFormat, p.k));
  lines.push(
    `const TM: u32 = ${u(p.tile.rows)}; // tile rows: rows of x and y per workgroup`,
    `const TN: u32 = ${u(p.tile.cols)}; // tile cols: cols of y (rows of W) per workgroup`,
  );
  if (p.staged) {
    lines.push(
      `const TK: u32 = ${u(p.tile.k)}; // tile depth along k per step`,
      `const TK4: u32 = ${u(p.TK4)}; // TK / 4: vec4 per tile row`,
    );
  }
  lines.push(
    `const PR: u32 = ${u(p.PR)}; // rows of y per invocation`,
    `const PC: u32 = ${u(p.PC)}; // cols of y per invocation`,
    `const WG_X: u32 = ${u(p.WG_X)}; // TN / PC: invocations along cols`,
    `const WG_Y: u32 = ${u(p.WG_Y)}; // TM / PR: invocations along rows`,
  );
  if (p.staged) {
    const tk = p.tile.k;
    const rowsTile = p.tile.rows * p.TK4;
    const colsTile = p.tile.cols * p.TK4;
    lines.push(
      `const THREADS: u32 = ${u(p.THREADS)}; // WG_X * WG_Y: invocations per workgroup`,
      `const STRIDE: u32 = ${u(p.STRIDE)}; // TK4${p.STRIDE === p.TK4 ? "" : " + 1"}: tile row stride in vec4, odd so tile rows fall in distinct banks`,
      `const K_TILES: u32 = ${u(Math.ceil(p.k / tk))}; // ceil(K / TK): steps along k`,
      `const X_LOADS: u32 = ${u(Math.ceil(rowsTile / p.THREADS))}; // ceil(TM * TK4 / THREADS): x-tile vec4 per invocation per step`,
      `const W_LOADS: u32 = ${u(Math.ceil(colsTile / p.THREADS))}; // ceil(TN * TK4 / THREADS): W-tile vec4 per invocation per step`,
    );
  }
  if (p.scale !== 1) lines.push(`const SCALE: f32 = ${f32Literal(p.scale)}; // result scale`);
  lines.push("");
  return lines;
}

/** Row index expressions of this invocation's rows and cols of y. */
const rowExpr = (r: number) => `tile_row + lid.y${r === 0 ? "" : ` + ${r}u * WG_Y`}`;
const colExpr = (c: number) => `tile_col + lid.x${c === 0 ? "" : ` + ${c}u * WG_X`}`;

/** The accumulate statements: acc_r_c += a_r · b_s_c for every weight matrix s. */
function accumulate(p: Plan, indent: string, op: (a: string, b: string) => string): string[] {
  return p.accs.flatMap((acc, s) =>
    range(p.PR).map(
      (r) =>
        indent +
        range(p.PC)
          .map((c) => `${acc}_${r}_${c} += ${op(`a${r}`, `b${s}_${c}`)};`)
          .join(" "),
    ),
  );
}

/** The k loop with tiles staged in workgroup memory. */
function stagedLoop(p: Plan): string[] {
  const lines = [
    `  let xa = lid.y * STRIDE; // this invocation's first x-tile row`,
    `  let wb = lid.x * STRIDE; // this invocation's first W-tile row`,
    `  for (var t = 0u; t < K_TILES; t++) {`,
    `    let q0 = t * TK4; // first vec4 of this step along k`,
    `    // x tile: TM × TK4 vec4`,
    ...loadTile(p, "x"),
    `    // W tile${p.gated ? "s" : ""}: TN × TK4 vec4`,
    ...loadTile(p, "w"),
    `    workgroupBarrier();`,
    `    for (var q = 0u; q < TK4; q++) {`,
  ];
  for (let r = 0; r < p.PR; r++)
    lines.push(`      let a${r} = xs[xa${r === 0 ? "" : ` + ${r}u * WG_Y * STRIDE`} + q];`);
  p.tiles.forEach((t, s) => {
    for (let c = 0; c < p.PC; c++)
      lines.push(
        `      let b${s}_${c} = ${t}[wb${c === 0 ? "" : ` + ${c}u * WG_X * STRIDE`} + q];`,
      );
  });
  lines.push(
    ...accumulate(p, "      ", (a, b) => `dot(${a}, ${b})`),
    `    }`,
    `    workgroupBarrier();`,
    `  }`,
  );
  return lines;
}

/**
 * Copies one step's x tile or W tile(s) into workgroup memory: the tile is [tileRows][TK4] vec4,
 * invocation li copies elements li, li + THREADS, …
 */
function loadTile(p: Plan, what: "x" | "w"): string[] {
  const tileRows = what === "x" ? "TM" : "TN";
  const partial = ((what === "x" ? p.tile.rows : p.tile.cols) * p.TK4) % p.THREADS !== 0;
  const ind = partial ? "        " : "      ";
  const out = [
    `    for (var j = 0u; j < ${what === "x" ? "X_LOADS" : "W_LOADS"}; j++) {`,
    `      let i = li + j * THREADS;`,
  ];
  if (partial) out.push(`      if (i < ${tileRows} * TK4) {`);
  out.push(`${ind}let r = i / TK4;`, `${ind}let q = i % TK4;`);
  // Rows past the end are clamped: they only feed outputs that are never stored.
  if (what === "x") out.push(`${ind}let g = min(tile_row + r, rows - 1u); // row of x (clamped)`);
  else
    out.push(
      `${ind}let g = ${p.nGuard ? "min(tile_col + r, N - 1u); // row of W (clamped)" : "tile_col + r; // row of W"}`,
    );
  out.push(`${ind}let gq = q0 + q; // vec4 index along k`);
  const sources = what === "x" ? ["x"] : p.weights;
  const targets = what === "x" ? ["xs"] : p.tiles;
  sources.forEach((source, s) => {
    const target = `${targets[s]}[r * STRIDE + q]`;
    const packed = what === "w" && p.weightFormat !== undefined;
    const at = (q: string) => (packed ? `${source}_at(g, ${q})` : `${source}[g * K4 + ${q}]`);
    if (p.vec4) {
      out.push(
        p.kGuard
          ? `${ind}${target} = select(vec4<f32>(), ${at("min(gq, K4 - 1u)")}, gq < K4);`
          : `${ind}${target} = ${at("gq")};`,
      );
    } else {
      // Past k reads are zero: they would feed every output.
      out.push(`${ind}var v${s} = vec4<f32>();`);
      ["x", "y", "z", "w"].forEach((comp, e) =>
        out.push(
          `${ind}if (gq * 4u + ${e}u < K) { v${s}.${comp} = ${source}[g * K + gq * 4u + ${e}u]; }`,
        ),
      );
      out.push(`${ind}${target} = v${s};`);
    }
  });
  if (partial) out.push(`      }`);
  out.push(`    }`);
  return out;
}

/** The k loop reading x and W straight from the storage buffers (tile.staged = false). */
function directLoop(p: Plan): string[] {
  const width = p.vec4 ? "K4" : "K";
  const lines: string[] = [
    `  // Row offsets; rows past the end are clamped (they only feed outputs never stored).`,
  ];
  for (let r = 0; r < p.PR; r++)
    lines.push(`  let xr${r} = min(${rowExpr(r)}, rows - 1u) * ${width};`);
  const packed = p.weightFormat !== undefined;
  for (let c = 0; c < p.PC; c++) {
    const row = p.nGuard ? `min(${colExpr(c)}, N - 1u)` : `(${colExpr(c)})`;
    lines.push(
      packed
        ? `  let wr${c} = ${row}; // row of W (unpacked by ${p.weights[0]}_at)`
        : `  let wr${c} = ${row} * ${width};`,
    );
  }
  lines.push(`  for (var q = 0u; q < ${width}; q++) {`);
  for (let r = 0; r < p.PR; r++) lines.push(`    let a${r} = x[xr${r} + q];`);
  p.weights.forEach((w, s) => {
    for (let c = 0; c < p.PC; c++)
      lines.push(`    let b${s}_${c} = ${packed ? `${w}_at(wr${c}, q)` : `${w}[wr${c} + q]`};`);
  });
  lines.push(
    ...accumulate(p, "    ", (a, b) => (p.vec4 ? `dot(${a}, ${b})` : `${a} * ${b}`)),
    `  }`,
  );
  return lines;
}

/** Bias, activation, gate, scale and residual, then the guarded stores. */
function epilogue(p: Plan): string[] {
  const lines: string[] = [];
  for (let c = 0; c < p.PC; c++) lines.push(`  let col${c} = ${colExpr(c)};`);
  for (let r = 0; r < p.PR; r++) {
    lines.push(`  let row${r} = ${rowExpr(r)};`, `  if (row${r} < rows) {`);
    for (let c = 0; c < p.PC; c++) {
      const pre = (acc: string, s: number) =>
        p.bias ? `${acc}_${r}_${c} + ${p.biases[s]}[col${c}]` : `${acc}_${r}_${c}`;
      let value = p.gated
        ? `${applyActivation(p.activation, pre("gate", 0))} * (${pre("up", 1)})`
        : applyActivation(p.activation, pre("acc", 0));
      if (p.scale !== 1)
        value = `SCALE * ${p.gated || (p.activation === "none" && p.bias) ? `(${value})` : value}`;
      if (p.residual) value = `residual[o] + ${value}`;
      lines.push(
        p.nGuard ? `    if (col${c} < N) {` : `    {`,
        `      let o = row${r} * N + col${c};`,
        `      y[o] = ${value};`,
        `    }`,
      );
    }
    lines.push(`  }`);
  }
  return lines;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** A WGSL f32 literal for a finite number (always with a decimal point or an exponent). */
function f32Literal(value: number): string {
  const text = String(Math.fround(value));
  return /[.eE]/.test(text) ? text : `${text}.0`;
}
