/**
 * The MoE router's selection: router logits [rows, E] (from the router matmul) → the top-k experts
 * of each row and their gate weights, the softmax over the chosen logits (= the renormalised top-k
 * probabilities of a softmax over all E). Ties go to the lower expert index, as in the reference.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import { constU32, declareBindings, threadPerRowEntry } from "./elementwise-wgsl.ts";

export interface MoeRouterOptions {
  /** Experts E: the width of the router logits. */
  experts: number;
  /** Experts chosen per row, 1 ≤ topK ≤ E. */
  topK: number;
}

/** Threads per workgroup of the router: one thread per row. */
const ROUTER_WORKGROUP = 64;

/**
 * Top-k selection + gate softmax per row, one thread per row (E is small: k passes over E logits).
 * Bindings: params {rows}, logits [rows, E] (read), indices [rows, K] u32 (read_write; chosen
 * experts, best first), gates [rows, K] f32 (read_write; softmax over the chosen logits).
 * Dispatch: ceil(rows / 64) workgroups.
 */
export function moeRouterKernel(options: MoeRouterOptions): Kernel {
  const { experts, topK } = options;
  if (!Number.isInteger(experts) || experts < 1)
    throw new RangeError(`experts must be ≥ 1, got ${experts}`);
  if (!Number.isInteger(topK) || topK < 1 || topK > experts)
    throw new RangeError(`top_k must be in [1, ${experts}], got ${topK}`);
  const params = [{ name: "rows", value: "rows" }];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "logits", access: "read", type: "f32", doc: "[rows, E] router logits" },
    {
      name: "indices",
      access: "read_write",
      type: "u32",
      doc: "[rows, K] chosen experts, best first",
    },
    {
      name: "gates",
      access: "read_write",
      type: "f32",
      doc: "[rows, K] their gate weights (sum 1)",
    },
  ]);
  const name = `moe_router_e${experts}_k${topK}`;
  const wgsl = `// ${name}: top-K of E router logits per row and the softmax over the chosen ones.
${constU32("E", experts, "experts: width of the router logits")}
${constU32("K", topK, "experts chosen per row")}
${constU32("WG", ROUTER_WORKGROUP, "threads per workgroup; one thread per row")}

${decls}
${threadPerRowEntry("E")}
  var chosen: array<f32, K>;
  // Pass k picks the best logit ordered after pass k-1's pick in (value desc, index asc) order.
  var prev_value = 0.0;
  var prev_expert = 0u;
  for (var k = 0u; k < K; k++) {
    var best_value = 0.0;
    var best_expert = E; // none yet
    for (var e = 0u; e < E; e++) {
      let v = logits[base + e];
      let after = k == 0u || v < prev_value || (v == prev_value && e > prev_expert);
      // strict >: among equal logits the lower index, met first, stays
      if (after && (best_expert == E || v > best_value)) {
        best_value = v;
        best_expert = e;
      }
    }
    indices[row * K + k] = best_expert;
    chosen[k] = best_value;
    prev_value = best_value;
    prev_expert = best_expert;
  }
  // softmax over the chosen logits; chosen[0] is their max
  let top = chosen[0];
  var total = 0.0;
  for (var k = 0u; k < K; k++) {
    chosen[k] = exp(chosen[k] - top);
    total += chosen[k];
  }
  for (var k = 0u; k < K; k++) {
    gates[row * K + k] = chosen[k] / total;
  }
}
`;
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings,
    workgroupSize: [ROUTER_WORKGROUP, 1, 1],
    workgroupStorageBytes: 0,
    dispatch: [{ expr: "rows", divisor: ROUTER_WORKGROUP }, 1, 1],
    params,
  };
}
