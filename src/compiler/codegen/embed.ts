/**
 * Embedding gather fused with the position add: token ids → rows of the embedding table, times an
 * optional scale (e.g. √d), plus learned position rows (at past + s) or sinusoidal positions
 * computed in the kernel, in one pass over [rows, d].
 *
 * Out-of-range behaviour (the reference throws; a kernel cannot): an id ≥ vocab reads as a zero
 * embedding row, and a learned position ≥ maxLen as a zero position row; either is recorded in the
 * `status` buffer (4 u32, zeroed by the host before the steps it wants to check):
 *   status[0] += 1 per out-of-range token id,    status[1] = max(status[1], that id),
 *   status[2] += 1 per token beyond the position table, status[3] = max(status[3], that position).
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { packable, Q4_BLOCK, type PackedFormat } from "../../contracts/weight-format.ts";
import { packedRowConstants, unpackElement } from "./packed-wgsl.ts";
import {
  constF32,
  constU32,
  declareBindings,
  f32Literal,
  flatPrelude,
  type StorageDecl,
  flatKernel,
  flatMain,
} from "./elementwise-wgsl.ts";
import {
  sinusoidFrequency,
  sinusoidOfAttrs,
  type SinusoidLayout,
} from "../../contracts/sinusoid.ts";

/** Sinusoidal positions computed in a kernel (src/contracts/sinusoid.ts says what each means). */
export interface SinusoidalPositions {
  kind: "sinusoidal";
  /** 10000 in the original Transformer; unused with timescales. */
  base: number;
  /** Default interleaved. */
  layout?: SinusoidLayout;
  /** [min_timescale, max_timescale] instead of base. */
  timescales?: readonly [number, number];
}

/** How positions are added: none, rows of a learned table, or sin/cos computed in the kernel. */
export type EmbedPositions =
  | { kind: "none" }
  | { kind: "learned"; /** Rows of the position table. */ maxLen: number }
  | SinusoidalPositions;

/** The positions of a checked `sinusoidal_positions` node. */
export function sinusoidalPositionsOf(attrs: Record<string, unknown>): SinusoidalPositions {
  const s = sinusoidOfAttrs(attrs);
  return {
    kind: "sinusoidal",
    base: s.base,
    ...(s.layout !== "interleaved" ? { layout: s.layout } : {}),
    ...(s.timescales ? { timescales: s.timescales } : {}),
  };
}

/** The kernel-name part that tells sinusoids apart: base or timescales, then the layout. */
export function sinusoidName(p: SinusoidalPositions): string {
  const frequencies = p.timescales
    ? `ts${f32Literal(p.timescales[0])}-${f32Literal(p.timescales[1])}`
    : f32Literal(p.base);
  return `sinusoidal${frequencies}${p.layout === "halves" ? "_halves" : ""}`;
}

export interface EmbedOptions {
  /** Rows of the embedding table. */
  vocab: number;
  /** Model width. */
  d: number;
  /** Default none. */
  positions?: EmbedPositions;
  /** Multiplies the embedding row (not the positions), e.g. √d. Default 1. */
  scale?: number;
  /** The table packed in this format (rows of D, src/contracts/weight-format.ts); f32 when absent. */
  tableFormat?: PackedFormat;
}

/** Words of the `status` buffer an embedding kernel writes. */
export const EMBED_STATUS_WORDS = 4;

/** Splits x into three f32 parts, the first two with ≤ 8 significant bits, summing to ≈ x. */
function splitTurns(x: number): [number, number, number] {
  const round8 = (v: number) => {
    if (v === 0) return 0;
    const step = 2 ** (Math.floor(Math.log2(Math.abs(v))) - 7);
    return Math.round(v / step) * step;
  };
  const a = round8(x);
  const b = round8(x - a);
  return [a, b, Math.fround(x - a - b)];
}

/**
 * The `frequencies` buffer of a sinusoidal embedding kernel: for each column pair j < ceil(d/2),
 * f_j / 2π (turns per position; f_j = base^(−2j/d), or from the timescales: sinusoidFrequency)
 * computed in float64 and split into three f32 parts [hi, mid, lo], hi and mid of 8 significant
 * bits so that pos · hi and pos · mid are exact in f32 for pos < 65536. A constant of (d, base or
 * timescales): the host builds it once, at load.
 */
export function sinusoidalFrequencies(
  d: number,
  base: number,
  timescales?: readonly [number, number],
): Float32Array {
  const pairs = Math.ceil(d / 2);
  const out = new Float32Array(pairs * 3);
  const settings = { base, timescales: timescales ?? null };
  for (let j = 0; j < pairs; j++) {
    const turns = sinusoidFrequency(settings, d, j) / (2 * Math.PI);
    out.set(splitTurns(turns), j * 3);
  }
  return out;
}

/**
 * WGSL for sinusoidal positions, `fn sinusoid(position, c)` of a D-wide table: interleaved,
 * PE(pos, 2j) = sin(pos · f_j), PE(pos, 2j+1) = cos(pos · f_j); halves, PE(pos, j) = sin(pos · f_j)
 * and PE(pos, D/2 + j) = cos(pos · f_j) for j < floor(D/2), an odd D's last column 0. The angle is reduced in turns with the split f_j / 2π of the `frequencies`
 * buffer (see sinusoidalFrequencies): frac(frac(pos·hi) + frac(pos·mid) + pos·lo), exact products
 * for pos < 65536; sin and cos of the reduced angle (|r| ≤ π/4) are Taylor polynomials (error
 * < 2e-9). Max error < 1e-6 for pos < 65536 (measured 8.4e-7 at pos 60000 on SwiftShader; the f32
 * rounding of the turns dominates); beyond, pos · hi is no longer exact and the error grows with
 * pos. (The table is a buffer, not a WGSL const array: a dynamically indexed const array is copied
 * per invocation by Tint, 18× slower at d = 4096 on SwiftShader.)
 */
export function sinusoidWgsl(layout: SinusoidLayout = "interleaved"): string {
  const column =
    layout === "halves"
      ? `  if (c >= 2u * (D / 2u)) { return 0.0; } // an odd width's padding column
  let f = 3u * (c % (D / 2u)); // halves: pair c % (D / 2), sines then cosines
  let odd = c >= D / 2u;`
      : `  let f = 3u * (c / 2u); // interleaved: pair c / 2, sine then cosine
  let odd = (c & 1u) == 1u;`;
  return `${SINUSOID_OF_TURNS_WGSL}
fn sinusoid(position: u32, c: u32) -> f32 {
${column}
  let p = f32(position); // frequencies of the pair at f: hi, mid, lo
  let t = fract(fract(p * frequencies[f]) + fract(p * frequencies[f + 1u]) + p * frequencies[f + 2u]);
  return sinusoid_of_turns(t, odd);
}
`;
}

const SINUSOID_OF_TURNS_WGSL = `
// sin(2 pi t) for even columns, cos(2 pi t) for odd ones, t in [0, 1).
fn sinusoid_of_turns(t: f32, odd: bool) -> f32 {
  let u = t * 4.0;
  let q = floor(u + 0.5); // nearest quarter turn
  let r = (u - q) * 1.5707963267948966; // |r| <= pi/4
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-0.16666666666666666 + r2 * (0.008333333333333333
    + r2 * (-0.0001984126984126984 + r2 * 2.7557319223985893e-6))));
  let co = 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889
    + r2 * (2.48015873015873e-5 - r2 * 2.755731922398589e-7))));
  // (sin, cos) of (q * pi/2 + r)
  var sc: vec2<f32>;
  switch (u32(q) % 4u) {
    case 0u: { sc = vec2<f32>(s, co); }
    case 1u: { sc = vec2<f32>(co, -s); }
    case 2u: { sc = vec2<f32>(-s, -co); }
    default: { sc = vec2<f32>(-co, s); }
  }
  return select(sc.x, sc.y, odd);
}`;

/**
 * Embedding gather + position add over [rows, d], rows = batch·seq, token (b, s) at position
 * past + s.
 * Bindings, in order: params {rows; seq, past (with positions)}; ids [rows] u32 (read); table
 * [vocab, d] (read); positions [maxLen, d] (read, learned only) or frequencies [ceil(d/2), 3]
 * (read, sinusoidal only: the constant `sinusoidalFrequencies(d, base)`); out [rows, d]
 * (read_write); status [4] u32 (read_write, atomic; see the file comment).
 * Dispatch: ceil(d·rows / 1024) workgroups.
 */
export function embedKernel(options: EmbedOptions): Kernel {
  const { vocab, d } = options;
  const positions = options.positions ?? { kind: "none" };
  const scale = options.scale ?? 1;
  const format = options.tableFormat;
  if (format !== undefined && !packable(format, d))
    throw new RangeError(
      `embed: a ${format} table needs d to be a multiple of ${format === "q4" ? Q4_BLOCK : 4}, got ${d}`,
    );
  for (const [what, n] of [
    ["vocab", vocab],
    ["d", d],
    ...(positions.kind === "learned" ? [["maxLen", positions.maxLen] as const] : []),
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`embed ${what} must be ≥ 1, got ${n}`);
  }
  const params = [
    { name: "rows", value: "rows" },
    ...(positions.kind === "none"
      ? []
      : [
          { name: "seq", value: "seq" },
          { name: "past", value: "past" },
        ]),
  ];
  const storage: StorageDecl[] = [
    { name: "ids", access: "read", type: "u32", doc: "[rows] token ids" },
    format
      ? {
          name: "table",
          access: "read",
          type: "u32",
          doc: `[VOCAB, RW] embedding table, rows packed as ${format}`,
          format,
        }
      : { name: "table", access: "read", type: "f32", doc: "[VOCAB, D] embedding table" },
  ];
  if (positions.kind === "learned")
    storage.push({
      name: "positions",
      access: "read",
      type: "f32",
      doc: "[MAX_LEN, D] position table",
    });
  if (positions.kind === "sinusoidal")
    storage.push({
      name: "frequencies",
      access: "read",
      type: "f32",
      doc: "[ceil(D / 2), 3] base^(-2j/D) / 2pi split in hi, mid, lo (sinusoidalFrequencies)",
    });
  storage.push(
    { name: "out", access: "read_write", type: "f32", doc: "[rows, D] embeddings" },
    {
      name: "status",
      access: "read_write",
      type: "atomic<u32>",
      doc: "[4] bad-id count, max bad id, bad-position count, max bad position",
    },
  );
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const prelude = [
    constU32("D", d, "model width"),
    constU32("VOCAB", vocab, "rows of the embedding table; ids >= VOCAB read as zeros"),
    ...(format ? packedRowConstants(format, d) : []),
    ...(positions.kind === "learned"
      ? [constU32("MAX_LEN", positions.maxLen, "rows of the position table")]
      : []),
    constF32("SCALE", scale, "multiplies the embedding row (not the positions)"),
    ...(positions.kind === "sinusoidal"
      ? [
          `// frequencies: sinusoidalFrequencies for ${sinusoidName(positions)}, column pair j at 3 * j`,
        ]
      : []),
    ...flatPrelude(),
  ];
  let addPosition = "";
  if (positions.kind === "learned") {
    addPosition = `
      let position = params.past + r % params.seq;
      if (position < MAX_LEN) {
        value += positions[position * D + c];
      } else if (c == 0u) {
        atomicAdd(&status[2], 1u);
        atomicMax(&status[3], position);
      }`;
  } else if (positions.kind === "sinusoidal") {
    addPosition = `
      value += sinusoid(params.past + r % params.seq, c);`;
  }
  const suffix =
    positions.kind === "none"
      ? ""
      : positions.kind === "learned"
        ? `_learned${positions.maxLen}`
        : `_${sinusoidName(positions)}`;
  const name = `embed${suffix}_v${vocab}_d${d}${format ? `_${format}` : ""}${scale === 1 ? "" : `_scale${f32Literal(scale)}`}`;
  const wgsl = `// ${name}: out[r] = table[ids[r]] * SCALE${positions.kind === "none" ? "" : ` + ${positions.kind} position (past + s)`}, rows = batch * seq.
${prelude.join("\n")}

${decls}${format ? unpackElement(format, "table") : ""}${positions.kind === "sinusoidal" ? sinusoidWgsl(positions.layout) : ""}
${flatMain(`      let id = ids[r];
      var value = 0.0;
      if (id < VOCAB) {
        value = ${format ? "table_at(id, c)" : "table[id * D + c]"} * SCALE;
      } else if (c == 0u) {
        atomicAdd(&status[0], 1u);
        atomicMax(&status[1], id);
      }${addPosition}
      out[i] = value;`)}`;
  return flatKernel(name, wgsl, bindings, params, `${d} * rows`);
}
