/**
 * The kernel plan as text, one line per step: the kernel, its workgroup grid (symbolic, and
 * counted at the bounds), the buffers it reads and writes with their element counts and bytes,
 * and the IR nodes it computes:
 *
 *   step 2  matmul_k64_n192_bias  grid [3, ceil(batch * seq / 64), 1] = [3, 1, 1]  reads … writes …  # h.0.attention
 *
 * `loom check --emit plan` prints this; `--emit plan-json` prints the KernelPlan itself.
 */
import { bufferBytes, dispatchCounts } from "../../contracts/device-profile/requirements.ts";
import {
  dimAdd,
  dimConst,
  dimFromJson,
  dimMul,
  dimSym,
  formatDim,
  type Dim,
} from "../../contracts/dims.ts";
import type { DispatchAxis, SizeExpr } from "../../contracts/kernel.ts";
import type { KernelPlan } from "../../contracts/plan/schema.ts";
import { humanBytes } from "../summary/units.ts";

type Step = KernelPlan["steps"][number];
type Buffer = KernelPlan["buffers"][number];

/** A header (runtime sizes, totals, generation), then one line per step in dispatch order. */
export function printPlan(plan: KernelPlan, model?: string): string {
  const kernels = new Map(plan.kernels.map((k) => [k.name, k]));
  const counts = countsAtBounds(plan);
  const bounds = Object.entries(plan.sizes.max).map(([k, v]) => `${k} <= ${v}`);
  const generation = plan.generation
    ? `generates: ${plan.generation.stepInput} -> ${plan.generation.logitsOutput} (vocab ${plan.generation.vocab})`
    : "generates: no";
  return [
    `plan${model ? ` ${model}` : ""}: ${plan.steps.length} steps, ${plan.kernels.length} kernels, ${plan.buffers.length} buffers`,
    `sizes ${bounds.join(", ") || "(none)"}; ${generation}`,
    ...plan.steps.map((step, i) => {
      const kernel = kernels.get(step.kernel);
      const grid = kernel ? formatGrid(kernel.dispatch, step, counts(step, i)) : "grid ?";
      return `step ${i}${tags(step)}  ${step.kernel}  ${grid}  ${formatBuffers(plan, step, kernel?.bindings)}  # ${step.nodes.join(", ")}`;
    }),
    "",
  ].join("\n");
}

/** " (prefill)", " (encoder, decode)", " (readback top-k)": when a step runs, if not always. */
function tags(step: Step): string {
  const list = [
    ...(step.phase === "encoder" ? ["encoder"] : []),
    ...(step.when === "always" ? [] : [step.when]),
    ...(step.readback ? [`readback ${step.readback}`] : []),
  ];
  return list.length > 0 ? ` (${list.join(", ")})` : "";
}

/**
 * Each step's workgroup counts at the bounds: the largest prefill (every position new, past 0)
 * for prefill and always-steps, one new position after bound - 1 past ones for decode steps.
 */
function countsAtBounds(plan: KernelPlan): (step: Step, index: number) => (number | undefined)[] {
  const stepSize = plan.sizes.step;
  const prefill = { ...plan.sizes.max, past: 0 };
  const longest = stepSize ? (plan.sizes.max[stepSize] ?? 1) : 1;
  const decode = stepSize ? { ...plan.sizes.max, [stepSize]: 1, past: longest - 1 } : prefill;
  const byStep = (sizes: Record<string, number>) => {
    const table = new Map<number, (number | undefined)[]>();
    for (const c of dispatchCounts(plan, sizes)) {
      const row = table.get(c.step) ?? [];
      row[c.axis] = "count" in c ? c.count : undefined;
      table.set(c.step, row);
    }
    return table;
  };
  const atPrefill = byStep(prefill);
  const atDecode = byStep(decode);
  return (step, i) => (step.when === "decode" ? atDecode : atPrefill).get(i) ?? [];
}

/** `grid [ceil(64 * batch * seq / 1024), 1, 1] = [4, 1, 1]`: over runtime sizes, then counted. */
function formatGrid(
  dispatch: readonly DispatchAxis[],
  step: Step,
  counts: readonly (number | undefined)[],
): string {
  const symbolic = dispatch.map((axis) => {
    if (typeof axis === "number") return String(axis);
    const expr = substitute(axis.expr, step.sizes);
    return axis.divisor === 1 ? expr : `ceil(${expr} / ${axis.divisor})`;
  });
  const counted = dispatch.map((_, i) => counts[i] ?? "?");
  const same = symbolic.every((s, i) => s === String(counted[i]));
  return `grid [${symbolic.join(", ")}]${same ? "" : ` = [${counted.join(", ")}]`}`;
}

/** A kernel's size expression with the step's sizes (over runtime sizes) put in for its names. */
function substitute(expr: SizeExpr, sizes: Readonly<Record<string, SizeExpr>>): string {
  const dim = dimFromJson(expr);
  if (dim === undefined) return String(expr);
  const named = (symbol: string): Dim => {
    const value = sizes[symbol];
    return (value === undefined ? undefined : dimFromJson(value)) ?? dimSym(symbol);
  };
  const result = dim.terms.reduce(
    (sum, term) => dimAdd(sum, term.symbols.map(named).reduce(dimMul, dimConst(term.coeff))),
    dimConst(0),
  );
  return formatDim(result);
}

/** `reads a f32[64 * batch * seq] (16.4 KB), …  writes …`, by the kernel's binding access. */
function formatBuffers(
  plan: KernelPlan,
  step: Step,
  bindings: readonly { access: string }[] | undefined,
): string {
  const storage = (bindings ?? []).filter((b) => b.access !== "uniform");
  const reads = new Set<number>();
  const writes = new Set<number>();
  step.buffers.forEach((id, i) => (storage[i]?.access === "read_write" ? writes : reads).add(id));
  const list = (ids: Set<number>) =>
    [...ids].map((id) => formatBuffer(plan.buffers[id])).join(", ") || "nothing";
  return `reads ${list(reads)}  writes ${list(writes)}`;
}

function formatBuffer(buffer: Buffer | undefined): string {
  if (buffer === undefined) return "?";
  const elements = typeof buffer.elements === "number" ? String(buffer.elements) : buffer.elements;
  return `${buffer.name} ${buffer.dtype}[${elements}] (${humanBytes(bufferBytes(buffer))})`;
}
