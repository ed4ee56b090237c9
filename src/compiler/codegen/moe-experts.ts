/**
 * The MoE expert FFNs: for each row, only the K experts its router chose, each a (gated) FFN
 * D → H → D, summed with the router's gate weights; and the shared expert (a dense FFN every row
 * goes through, added with weight 1) as a second dispatch of the same kernel that accumulates.
 *
 * Cost model (correctness first): one workgroup per row. A row touches exactly its K chosen
 * experts: K · (2 or 3) · H · D multiply-adds and K · (2 or 3) · H · D weight reads, so
 * rows · K · (2|3) · H · D in all, the same as the reference and E / K times less than running
 * every expert densely. Weights are not shared between rows that chose the same expert (each row
 * re-reads them, from cache at best); a grouped kernel (rows sorted by expert, one matmul per
 * expert) would reuse them and is the way to make this fast.
 *
 * Weight layout: the experts' tensors stacked along a leading expert axis, PyTorch layout within:
 * up [E, H, D], gate [E, H, D] (swiglu / geglu only), down [E, D, H]; biases, when present, packed
 * into one buffer `biases`: up biases [E, H], then gate biases [E, H] (gated only), then down biases
 * [E, D]. `packMoeWeights` builds these from the reference's per-expert names.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  activationCall,
  activationsWgsl,
  constU32,
  declareBindings,
  rowWorkgroupSize,
  type Activation,
  type StorageDecl,
  rowKernel,
} from "./elementwise-wgsl.ts";

/** An expert's activation: a plain one (D → act(up) → D) or a gated one (act(gate) · up). */
export type ExpertAct = Activation | "swiglu" | "geglu";

export interface MoeExpertsOptions {
  /** Model width D. */
  d: number;
  /** Hidden width H of each expert. */
  hidden: number;
  /** Experts E. */
  experts: number;
  /** Experts chosen per row K. */
  topK: number;
  act: ExpertAct;
  /** Whether the up/gate/down projections have biases (default false). */
  bias?: boolean;
  /** Add to what `out` holds instead of overwriting it (default false). */
  accumulate?: boolean;
}

export interface SharedExpertOptions {
  d: number;
  /** Hidden width of the shared expert. */
  hidden: number;
  act: ExpertAct;
  bias?: boolean;
  /** Default true: the shared expert runs after the routed experts and adds to their output. */
  accumulate?: boolean;
}

const isGated = (act: ExpertAct) => act === "swiglu" || act === "geglu";

/** Hidden units computed per pass (staged in workgroup memory between the two projections). */
const HIDDEN_CHUNK = 1024;
/** Largest D whose x row is staged in workgroup memory (8 KiB, next to the 4 KiB hidden chunk). */
const STAGED_X_MAX = 2048;

/** The WGSL of the hidden unit value: act(gate) · up or act(up). */
function hiddenValue(act: ExpertAct): string {
  if (act === "swiglu") return `${activationCall("silu", "g")} * u`;
  if (act === "geglu") return `${activationCall("gelu", "g")} * u`;
  return activationCall(act, "u");
}

function expertsKernel(
  options: MoeExpertsOptions,
  routing: "routed" | "dense",
  name: string,
): Kernel {
  const { d, hidden, experts, topK, act } = options;
  for (const [what, n] of Object.entries({ d, hidden, experts, topK })) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`moe ${what} must be ≥ 1, got ${n}`);
  }
  if (topK > experts) throw new RangeError(`top_k ${topK} exceeds the ${experts} experts`);
  if (!isGated(act)) activationCall(act, "x"); // throws on an unknown activation
  const gated = isGated(act);
  const bias = options.bias === true;
  const routed = routing === "routed";
  const chunk = Math.min(hidden, HIDDEN_CHUNK);
  // threads cover the wider of the two phases: hidden units (1.) or outputs (2.)
  const wg = rowWorkgroupSize(Math.max(d, chunk));
  const perOut = Math.ceil(d / wg);
  const stagedX = d <= STAGED_X_MAX;
  const params = [{ name: "rows", value: "rows" }];
  const storage: StorageDecl[] = [
    { name: "x", access: "read", type: "f32", doc: "[rows, D] input" },
  ];
  if (routed)
    storage.push(
      { name: "indices", access: "read", type: "u32", doc: "[rows, K] chosen experts (router)" },
      { name: "gates", access: "read", type: "f32", doc: "[rows, K] their gate weights (router)" },
    );
  storage.push({ name: "up", access: "read", type: "f32", doc: "[E, H, D] up projections" });
  if (gated)
    storage.push({ name: "gate", access: "read", type: "f32", doc: "[E, H, D] gate projections" });
  storage.push({ name: "down", access: "read", type: "f32", doc: "[E, D, H] down projections" });
  if (bias)
    storage.push({
      name: "biases",
      access: "read",
      type: "f32",
      doc: `up [E, H]${gated ? ", gate [E, H]" : ""}, down [E, D] biases, packed`,
    });
  storage.push({
    name: "out",
    access: "read_write",
    type: "f32",
    doc: `[rows, D] ${options.accumulate ? "+= " : ""}${routed ? "sum of gate * expert(x)" : "expert(x)"}`,
  });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const xAt = stagedX ? "x_row[c]" : "x[row * D + c]";
  const wgsl = `// ${name}: ${routed ? "for each row, its K chosen experts' FFNs summed with the gate weights" : "a dense FFN (the shared expert) on every row"}; one workgroup per row.
${constU32("D", d, "model width")}
${constU32("H", hidden, "hidden width of an expert")}
${constU32("E", routed ? experts : 1, routed ? "experts" : "one expert: the shared one")}
${constU32("K", routed ? topK : 1, routed ? "experts chosen per row" : "every row uses expert 0 with gate 1")}
${constU32("WG", wg, "threads per workgroup; one workgroup per row")}
${constU32("PER_OUT", perOut, `ceil(D / WG) = ${perOut}: outputs each thread accumulates in registers`)}
${constU32("CHUNK", chunk, "hidden units per pass, staged in workgroup memory")}
${bias ? `${constU32("UP_BIAS", 0, "offset of the up biases [E, H] in biases")}\n${gated ? `${constU32("GATE_BIAS", experts * hidden, "E * H: offset of the gate biases [E, H]")}\n` : ""}${constU32("DOWN_BIAS", (gated ? 2 : 1) * experts * hidden, `${gated ? "2 * " : ""}E * H: offset of the down biases [E, D]`)}\n` : ""}
${decls}${activationsWgsl()}
// gate-weighted hidden units of the current expert, CHUNK at a time
var<workgroup> hidden_chunk: array<f32, CHUNK>;
${stagedX ? "// the row's input, read by every hidden unit\nvar<workgroup> x_row: array<f32, D>;\n" : ""}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = group.x;
  if (row >= params.rows) {
    return;
  }
${stagedX ? "  for (var c = tid; c < D; c += WG) {\n    x_row[c] = x[row * D + c];\n  }\n  workgroupBarrier();\n" : ""}  var acc: array<f32, PER_OUT>;
  for (var k = 0u; k < K; k++) {
${
  routed
    ? `    let chosen = indices[row * K + k];
    // an out-of-range expert index contributes nothing (and reads expert 0's weights)
    let valid = chosen < E;
    let e = select(0u, chosen, valid);
    let weight = select(0.0, gates[row * K + k], valid);`
    : "    let e = 0u;\n    let weight = 1.0;"
}
    for (var h0 = 0u; h0 < H; h0 += CHUNK) {
      // 1. hidden units h0 .. h0 + CHUNK: weight * act(gate . x) * (up . x)
      for (var j = tid; j < CHUNK; j += WG) {
        let h = h0 + j;
        var value = 0.0;
        if (h < H) {
          let w = (e * H + h) * D;
          var u = ${bias ? "biases[UP_BIAS + e * H + h]" : "0.0"};${gated ? `\n          var g = ${bias ? "biases[GATE_BIAS + e * H + h]" : "0.0"};` : ""}
          for (var c = 0u; c < D; c++) {
            let xc = ${xAt};
            u += xc * up[w + c];${gated ? "\n            g += xc * gate[w + c];" : ""}
          }
          value = weight * ${hiddenValue(act)};
        }
        hidden_chunk[j] = value;
      }
      workgroupBarrier();
      // 2. outputs: acc[o] += down[e, o, h0 ..] . hidden_chunk
      let n = min(CHUNK, H - h0);
      for (var i = 0u; i < PER_OUT; i++) {
        let o = tid + i * WG;
        if (o < D) {
          let w = (e * D + o) * H + h0;
          var s = 0.0;
          for (var j = 0u; j < n; j++) {
            s += hidden_chunk[j] * down[w + j];
          }
          acc[i] += s;
        }
      }
      workgroupBarrier();
    }${
      bias
        ? `
    for (var i = 0u; i < PER_OUT; i++) {
      let o = tid + i * WG;
      if (o < D) {
        acc[i] += weight * biases[DOWN_BIAS + e * D + o];
      }
    }`
        : ""
    }
  }
  for (var i = 0u; i < PER_OUT; i++) {
    let o = tid + i * WG;
    if (o < D) {
      out[row * D + o] = ${options.accumulate ? "out[row * D + o] + " : ""}acc[i];
    }
  }
}
`;
  return rowKernel(name, wgsl, bindings, params, wg, chunk * 4 + (stagedX ? d * 4 : 0), "rows");
}

/**
 * The routed experts: out[row] (+)= Σ_k gates[row, k] · FFN_{indices[row, k]}(x[row]).
 * Bindings, in order: params {rows}; x [rows, D]; indices [rows, K] u32; gates [rows, K] (both
 * from moeRouterKernel); up [E, H, D]; gate [E, H, D] (swiglu/geglu only); down [E, D, H];
 * biases (when bias; see the file comment); out [rows, D] (read_write). At most 8 storage buffers.
 * Dispatch: one workgroup per row (rows ≤ 65535).
 */
export function moeExpertsKernel(options: MoeExpertsOptions): Kernel {
  const { d, hidden, experts, topK, act } = options;
  return expertsKernel(
    options,
    "routed",
    `moe_experts_e${experts}_k${topK}_d${d}_h${hidden}_${act}${options.bias ? "_bias" : ""}${options.accumulate ? "_acc" : ""}`,
  );
}

/**
 * The shared expert: out[row] (+)= FFN(x[row]), a dense FFN every row goes through.
 * Bindings, in order: params {rows}; x [rows, D]; up [H, D]; gate [H, D] (gated only);
 * down [D, H]; biases (up [H], gate [H] if gated, down [D], when bias); out [rows, D] (read_write;
 * accumulated into by default). Dispatch: one workgroup per row.
 */
export function sharedExpertKernel(options: SharedExpertOptions): Kernel {
  const { d, hidden, act } = options;
  const accumulate = options.accumulate !== false;
  return expertsKernel(
    { ...options, experts: 1, topK: 1, accumulate },
    "dense",
    `moe_shared_expert_d${d}_h${hidden}_${act}${options.bias ? "_bias" : ""}${accumulate ? "_acc" : ""}`,
  );
}

/**
 * The kernel's weight buffers from the reference's weight names: `${prefix}up.weight` etc. for
 * each expert prefix (`experts.0.`, `experts.1.`, … or `shared.`), stacked along the expert axis;
 * biases packed as the file comment says. A missing weight throws RangeError.
 */
export function packMoeWeights(
  prefixes: readonly string[],
  act: ExpertAct,
  bias: boolean,
  weight: (name: string) => ArrayLike<number> | undefined,
): Record<string, Float32Array> {
  const get = (name: string) => {
    const w = weight(name);
    if (!w) throw new RangeError(`missing MoE weight \`${name}\``);
    return w;
  };
  const stack = (suffix: string) => {
    const parts = prefixes.map((p) => get(`${p}${suffix}`));
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  const gated = isGated(act);
  const packed: Record<string, Float32Array> = {
    up: stack("up.weight"),
    down: stack("down.weight"),
  };
  if (gated) packed["gate"] = stack("gate.weight");
  if (bias) {
    const parts = [stack("up.bias"), ...(gated ? [stack("gate.bias")] : []), stack("down.bias")];
    const biases = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      biases.set(p, offset);
      offset += p.length;
    }
    packed["biases"] = biases;
  }
  return packed;
}
