/**
 * Attention maps on the device: for each self-attention layer, one extra dispatch right after
 * its attention kernel computes softmax(q·kᵀ·scale + causal mask) for every head and query of
 * batch row 0 over the cached keys, into a [heads, max_len, max_len] buffer read back on demand.
 *
 * The plan is augmented, not the lowering: the map kernel reads the same q (the fused QKV rows,
 * before RoPE, which it applies as the attention kernel does) and the same KV cache (keys after
 * RoPE) that the layer's attention kernel has just read. It runs when that kernel's prefill runs,
 * so after generation the maps are those of the prompt. Layers with padding masks or T5 bias and
 * cross-attention are left out (their maps would need those inputs too); `skipped` says which.
 * ALiBi needs no input: the map kernel adds its biases as the attention kernels do.
 */
import type { TypedIr, TypedNode } from "../../contracts/ir/schema.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import type { AttentionMapLayer, AttentionMapPlan } from "../../contracts/plan/attention-map.ts";
import { paramsStruct, type Kernel } from "../../contracts/kernel.ts";
import { alibiWgsl, f32Literal, ropeInverseFrequencies, SINCOS_WGSL } from "./attention-wgsl.ts";

/** Threads per workgroup; one thread per (query, head). */
const THREADS = 64;

/** The plan with a map kernel after every self-attention layer's attention kernel. */
export function withAttentionMaps(ir: TypedIr, plan: KernelPlan): AttentionMapPlan {
  const steps = [...plan.steps];
  const kernels = [...plan.kernels];
  const buffers = [...plan.buffers];
  const layers: AttentionMapLayer[] = [];
  const skipped: AttentionMapPlan["skipped"] = [];
  const bufferName = new Map(plan.buffers.map((b) => [b.id, b.name]));
  let nextId = Math.max(...plan.buffers.map((b) => b.id)) + 1;
  for (const node of ir.nodes) {
    if (node.op !== "attention" && node.op !== "cross_attention") continue;
    const why =
      node.op === "cross_attention"
        ? "cross-attention"
        : node.inputs["padding"] !== undefined
          ? "it has a padding mask"
          : node.inputs["position_bias"] !== undefined
            ? "it has a T5 relative position bias"
            : undefined;
    if (why) {
      skipped.push({ node: node.name, why });
      continue;
    }
    // The attention kernel's prefill step: it binds q (the fused QKV rows) and the K cache first.
    const at = steps.findIndex(
      (s) =>
        s.when !== "decode" &&
        bufferName.get(s.buffers[0]!) === `${node.name}.qkv` &&
        bufferName.get(s.buffers[1]!) === `${node.name}.k_cache`,
    );
    const cache = plan.buffers.find((b) => b.name === `${node.name}.k_cache`);
    if (at < 0 || !cache) {
      skipped.push({ node: node.name, why: "its plan has no fused attention step" });
      continue;
    }
    const attention = steps[at]!;
    const heads = node.attrs["heads"] as number;
    const kvHeads = node.attrs["kv_heads"] as number;
    const headDim = node.attrs["head_dim"] as number;
    const maxLen = cache.maxElements / ((plan.sizes.max["batch"] ?? 1) * kvHeads * headDim);
    const kernel = attentionMapKernel(node, maxLen);
    const map = {
      id: nextId++,
      name: `${node.name}.attention_map`,
      kind: "scratch" as const,
      dtype: "f32" as const,
      elements: heads * maxLen * maxLen,
      maxElements: heads * maxLen * maxLen,
    };
    kernels.push(kernel);
    // Steps after the insertion move down one: so do the lifetimes that name them; the q rows
    // the map step reads live until it (no buffer of their slot starts before the next step).
    buffers.forEach((b, i) => {
      if (!b.lifetime) return;
      const [first, last] = b.lifetime.map((s) => (s > at ? s + 1 : s)) as [number, number];
      const read = b.id === attention.buffers[0] ? Math.max(last, at + 1) : last;
      buffers[i] = { ...b, lifetime: [first, read] };
    });
    buffers.push(map);
    steps.splice(at + 1, 0, {
      kernel: kernel.name,
      sizes: attention.sizes,
      // Maps are of the prompt: a decode step, even one the attention kernel serves, leaves them.
      when: "prefill",
      buffers: [attention.buffers[0]!, attention.buffers[1]!, map.id],
      nodes: [node.name],
      phase: attention.phase,
    });
    layers.push({ node: node.name, heads, buffer: map.name, maxLen });
  }
  return { plan: { ...plan, kernels, buffers, steps }, layers, skipped };
}

/**
 * The map kernel of one attention node: one thread per (query row, head); three passes over the
 * keys (scores and their max, exponentials and their sum, division), the scores kept in `map`.
 */
export function attentionMapKernel(node: TypedNode, maxLen: number): Kernel {
  const heads = node.attrs["heads"] as number;
  const kvHeads = node.attrs["kv_heads"] as number;
  const headDim = node.attrs["head_dim"] as number;
  const rope = typeof node.attrs["rope"] === "number" ? (node.attrs["rope"] as number) : null;
  const alibi = node.attrs["alibi"] === true;
  const params = [
    { name: "seq", value: "seq" },
    { name: "past", value: "past" },
    { name: "keys", value: "keys" },
  ];
  const ropeCode =
    rope === null
      ? ""
      : `
  // RoPE at position past + s (rotate-half): pairs (i, i + HEAD_DIM / 2).
  for (var i = 0u; i < HEAD_DIM / 2u; i++) {
    let rot = rope_sincos(vec4<f32>(position * ROPE_INV_FREQ[i]));
    let x1 = q[i];
    let x2 = q[i + HEAD_DIM / 2u];
    q[i] = x1 * rot.c.x - x2 * rot.s.x;
    q[i + HEAD_DIM / 2u] = x2 * rot.c.x + x1 * rot.s.x;
  }`;
  const wgsl = `// Attention map of ${node.name}: softmax(q·kᵀ·SCALE${alibi ? " + ALiBi" : ""} + mask) per head, batch row 0.
${paramsStruct(params)}
@group(0) @binding(1) var<storage, read> qkv: array<f32>; // [rows, (HEADS + 2·KV_HEADS)·HEAD_DIM]
@group(0) @binding(2) var<storage, read> k_cache: array<f32>; // [batch, MAX_LEN, KV_HEADS·HEAD_DIM]
@group(0) @binding(3) var<storage, read_write> map: array<f32>; // [HEADS, MAX_LEN, MAX_LEN]

const HEADS: u32 = ${heads}u;
const GROUP: u32 = ${heads / kvHeads}u; // query heads per kv head
const HEAD_DIM: u32 = ${headDim}u;
const Q_STRIDE: u32 = ${(heads + 2 * kvHeads) * headDim}u; // floats per QKV row
const KV_WIDTH: u32 = ${kvHeads * headDim}u;
const MAX_LEN: u32 = ${maxLen}u;
const SCALE: f32 = ${f32Literal(node.attrs["scale"] as number)};
const CAUSAL: bool = ${node.attrs["causal"] === true};
${
  rope === null
    ? ""
    : `const ROPE_INV_FREQ = array<f32, ${headDim / 2}>(${ropeInverseFrequencies(headDim, rope)
        .map(f32Literal)
        .join(", ")});
${SINCOS_WGSL}`
}${alibi ? `\n${alibiWgsl(heads)}\n` : ""}

@compute @workgroup_size(${THREADS})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let s = id.x;
  let h = id.y;
  if (s >= params.seq) { return; }
  let position = f32(params.past + s);
  var q: array<f32, ${headDim}>;
  for (var i = 0u; i < HEAD_DIM; i++) { q[i] = qkv[s * Q_STRIDE + h * HEAD_DIM + i]; }${ropeCode}
  let kv = (h / GROUP) * HEAD_DIM;
  let row = (h * MAX_LEN + s) * MAX_LEN;${alibi ? "\n  let slope = alibi_slope(h);" : ""}
  // Keys after the query are masked when causal: probability 0.
  let visible = select(params.keys, min(params.keys, params.past + s + 1u), CAUSAL);
  var best = -1e30;
  for (var t = 0u; t < visible; t++) {
    var dot = 0.0;
    for (var i = 0u; i < HEAD_DIM; i++) { dot += q[i] * k_cache[t * KV_WIDTH + kv + i]; }
    let score = dot * SCALE${alibi ? " - slope * abs(f32(t) - position)" : ""};
    map[row + t] = score;
    best = max(best, score);
  }
  var sum = 0.0;
  for (var t = 0u; t < visible; t++) {
    let e = exp(map[row + t] - best);
    map[row + t] = e;
    sum += e;
  }
  for (var t = 0u; t < params.keys; t++) {
    map[row + t] = select(0.0, map[row + t] / sum, t < visible);
  }
}
`;
  return {
    name: `attention_map.${node.name}`,
    wgsl,
    entryPoint: "main",
    bindings: [
      { name: "params", access: "uniform" },
      { name: "qkv", access: "read" },
      { name: "k_cache", access: "read" },
      { name: "map", access: "read_write" },
    ],
    workgroupSize: [THREADS, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [{ expr: "seq", divisor: THREADS }, heads, 1],
    params,
  };
}
