import type { TypedNode } from "../../contracts/ir/schema.ts";
import { binaryKernel, unaryKernel, type OperandShape } from "../codegen/elementwise.ts";
import { ACTIVATIONS } from "../codegen/elementwise-wgsl.ts";
import {
  embedKernel,
  EMBED_STATUS_WORDS,
  sinusoidalFrequencies,
  sinusoidalPositionsOf,
  type EmbedPositions,
} from "../codegen/embed.ts";
import { moeExpertsKernel, sharedExpertKernel } from "../codegen/moe-experts.ts";
import { moeRouterKernel } from "../codegen/moe-router.ts";
import { normKernel, type NormKind } from "../codegen/norm.ts";
import { residualNormKernel } from "../codegen/residual-norm.ts";
import { positionRowsKernel, type PositionRows } from "../codegen/positions.ts";
import { clsTokenKernel, patchEmbedKernel } from "../codegen/patch.ts";
import { clsPoolKernel, meanPoolKernel } from "../codegen/pool.ts";
import { softmaxKernel } from "../codegen/softmax.ts";
import { formatDim } from "../../contracts/dims.ts";
import { LoweringError, type PlanBuilder } from "./builder.ts";
import { matmul } from "./dense.ts";
import type { Fusions } from "./fusions.ts";

const producer = (b: PlanBuilder, id: number) => b.ir.nodes.find((n) => n.output === id);

/**
 * embed, fused with what follows it: `embed(ids) [* scale] + positions(…)` is one gather that
 * adds the learned row (or the sinusoid) at position past + s.
 */
export function lowerEmbed(
  b: PlanBuilder,
  node: TypedNode,
  fusions: Fusions,
  step: string | null,
): void {
  const ids = node.inputs["ids"]!;
  const [vocab, d] = b.weightShape(node, "weight") as [number, number];
  let result = node;
  let scale: number | undefined;
  const next = b.soleConsumer(node.output) ?? singleNonPositionConsumer(b, node.output);
  if (next?.op === "scale") {
    scale = next.attrs["factor"] as number;
    result = next;
  }
  let positions: EmbedPositions = { kind: "none" };
  let positionTable: number | undefined;
  const add = (b.consumers.get(result.output) ?? []).find((n) => n.op === "add");
  const other =
    add && producer(b, add.inputs["a"] === result.output ? add.inputs["b"]! : add.inputs["a"]!);
  const positionOps = ["learned_positions", "sinusoidal_positions"];
  if (
    add &&
    other &&
    positionOps.includes(other.op) &&
    (other.inputs["x"] === result.output || other.inputs["x"] === node.output) &&
    onlyAddReads(b, result.output, add) &&
    b.soleConsumer(other.output) === add
  ) {
    positions =
      other.op === "learned_positions"
        ? { kind: "learned", maxLen: b.weightShape(other, "weight")[0]! }
        : sinusoidalPositionsOf(other.attrs);
    positionTable =
      positions.kind === "sinusoidal"
        ? b.constant(
            `${other.name}.frequencies`,
            sinusoidalFrequencies(d, positions.base, positions.timescales),
          )
        : b.weightOf(other, "weight");
    for (const n of [other, add]) fusions.absorbed.add(n.id);
    result = add;
  }
  if (result !== node && scale !== undefined) fusions.absorbed.add(next!.id);
  const out = b.value(result.output, result.name);
  const status = b.scratch(`${node.name}.status`, EMBED_STATUS_WORDS, "u32");
  const rows = b.rows(node.output);
  const seq = formatDim(b.shape(ids)[1] ?? b.shape(ids)[0]!);
  const table = b.weightOf(node, "weight");
  const tableFormat = b.weightFormat(node, [table], d);
  b.dispatch(
    embedKernel({
      vocab,
      d,
      positions,
      ...(scale !== undefined ? { scale } : {}),
      ...(tableFormat ? { tableFormat } : {}),
    }),
    [
      b.value(ids, `value.${ids}`),
      table,
      ...(positionTable !== undefined ? [positionTable] : []),
      out,
      status,
    ],
    { rows, seq, past: step !== null && seq === step ? "past" : 0, batch: "batch" },
    [node],
  );
  b.alias(node.output, out);
  b.alias(result.output, out);
}

/**
 * Whether `add` is the only node that reads a value's data (positions layers read only its shape)
 * and the value is no model output: then the value's buffer may hold the sum instead.
 */
function onlyAddReads(b: PlanBuilder, id: number, add: TypedNode): boolean {
  const readers = (b.consumers.get(id) ?? []).filter(
    (n) => n.op !== "learned_positions" && n.op !== "sinusoidal_positions",
  );
  return readers.length === 1 && readers[0] === add && !b.outputs.has(id);
}

function singleNonPositionConsumer(b: PlanBuilder, id: number): TypedNode | undefined {
  const list = (b.consumers.get(id) ?? []).filter(
    (n) => n.op !== "learned_positions" && n.op !== "sinusoidal_positions",
  );
  return list.length === 1 ? list[0] : undefined;
}

/**
 * Positions not folded into an embedding gather. Learned positions of a sequence that starts at 0
 * are the table's first rows: the table itself is bound. Otherwise (a decoded sequence, whose
 * positions start at `past`, or sinusoidal positions) a kernel writes the rows at past + s.
 */
export function lowerPositions(b: PlanBuilder, node: TypedNode, step: string | null): void {
  const seq = formatDim(b.shape(node.output)[0]!);
  const past = step !== null && seq === step ? "past" : 0;
  if (node.op === "learned_positions" && past === 0) {
    b.alias(node.output, b.weightOf(node, "weight"));
    return;
  }
  const d = b.width(node.output);
  const positions: PositionRows =
    node.op === "learned_positions"
      ? { kind: "learned", maxLen: b.weightShape(node, "weight")[0]! }
      : sinusoidalPositionsOf(node.attrs);
  const source =
    positions.kind === "sinusoidal"
      ? b.constant(
          `${node.name}.frequencies`,
          sinusoidalFrequencies(d, positions.base, positions.timescales),
        )
      : b.weightOf(node, "weight");
  b.dispatch(
    positionRowsKernel({ d, positions }),
    [source, b.value(node.output, node.name)],
    { seq, past },
    [node],
  );
}

/** Rows per workgroup of the one-thread-per-row norms on CPU adapters (see norm.ts). */
const CPU_NORM_ROWS_PER_WORKGROUP = 16;

export function lowerNorm(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  const d = b.width(x);
  const bias = b.hasWeight(node, "bias");
  b.dispatch(
    normKernel({
      kind: node.op as NormKind,
      d,
      eps: node.attrs["eps"] as number,
      ...(node.op === "layernorm" ? { bias } : {}),
      ...(b.target === "cpu" ? { threadPerRow: CPU_NORM_ROWS_PER_WORKGROUP } : {}),
    }),
    [
      b.value(x, `value.${x}`),
      b.weightOf(node, "weight"),
      ...(bias ? [b.weightOf(node, "bias")] : []),
      b.value(node.output, node.name),
    ],
    { rows: b.rows(x) },
    [node],
  );
}

/**
 * x + branch read by a norm: one residual-norm kernel computes the sum and the norm of it (the
 * sum is stored only when something else reads it, such as the next residual). An add whose
 * branch comes from a matmul is folded into that matmul instead (dense.ts); this serves the
 * others (MoE outputs, adds written out in the spec). Returns false when the add is not of this form.
 */
export function lowerAddNorm(b: PlanBuilder, node: TypedNode, fusions: Fusions): boolean {
  const [a, c] = [node.inputs["a"]!, node.inputs["b"]!];
  if (
    node.op !== "add" ||
    [a, c].some((v) => operandShape(b, v, node.output, node.attrs["align"] === "left") !== "full")
  )
    return false;
  const consumers = b.consumers.get(node.output) ?? [];
  const norm = consumers.find(
    (n) => (n.op === "layernorm" || n.op === "rmsnorm") && n.inputs["x"] === node.output,
  );
  if (!norm) return false;
  const keepSum = consumers.length > 1 || b.outputs.has(node.output);
  const bias = b.hasWeight(norm, "bias");
  const kernel = residualNormKernel({
    kind: norm.op as NormKind,
    d: b.width(node.output),
    eps: norm.attrs["eps"] as number,
    ...(norm.op === "layernorm" ? { bias } : {}),
    sum: keepSum ? "separate" : "none",
    ...(b.target === "cpu" ? { threadPerRow: CPU_NORM_ROWS_PER_WORKGROUP } : {}),
  });
  b.dispatch(
    kernel,
    [
      b.value(a, `value.${a}`),
      b.value(c, `value.${c}`),
      b.weightOf(norm, "weight"),
      ...(bias ? [b.weightOf(norm, "bias")] : []),
      ...(keepSum ? [b.value(node.output, node.name)] : []),
      b.value(norm.output, norm.name),
    ],
    { rows: b.rows(node.output) },
    [node, norm],
  );
  fusions.absorbed.add(norm.id);
  return true;
}

/** How an operand broadcasts to the [rows, d] result. */
function operandShape(
  b: PlanBuilder,
  operand: number,
  result: number,
  alignLeft = false,
): OperandShape {
  const a = b.values.get(operand)!.shape;
  const r = b.values.get(result)!.shape;
  if (JSON.stringify(a) === JSON.stringify(r)) return "full";
  // Aligned from the first axis (a [batch, seq] mask over [batch, seq, d]): one value a row.
  if (alignLeft && a.length === r.length - 1) return "row";
  if (alignLeft)
    throw new LoweringError(
      `no kernel broadcasts [${a.join(", ")}] over the trailing axes of [${r.join(", ")}] yet`,
    );
  if (a.length === 1) return a[0] === 1 ? "scalar" : "vector";
  if (a.length === 2 && r.length === 3 && a[0] === r[1]) return "seq";
  if (a.length === 3 && r.length === 3 && a[1] === 1) return "batch";
  throw new LoweringError(`no kernel broadcasts [${a.join(", ")}] to [${r.join(", ")}] yet`);
}

export function lowerElementwise(b: PlanBuilder, node: TypedNode): void {
  const out = b.value(node.output, node.name);
  const rows = b.rows(node.output);
  const d = b.width(node.output);
  if (node.op === "add" || node.op === "sub" || node.op === "mul" || node.op === "div") {
    const [a, c] = [node.inputs["a"]!, node.inputs["b"]!];
    const left = node.attrs["align"] === "left";
    const shape = b.shape(node.output);
    const seq = shape.length === 3 ? formatDim(shape[1]!) : "1";
    b.dispatch(
      binaryKernel({
        op: node.op,
        d,
        a: operandShape(b, a, node.output, left),
        b: operandShape(b, c, node.output, left),
      }),
      [b.value(a, `value.${a}`), b.value(c, `value.${c}`), out],
      { rows, seq },
      [node],
    );
    return;
  }
  if (node.op !== "softmax" && node.op !== "scale" && !ACTIVATIONS.includes(node.op as "gelu"))
    throw new LoweringError(`\`${node.op}\` has no WebGPU kernel yet`, node);
  const x = node.inputs["x"]!;
  const kernel =
    node.op === "softmax"
      ? softmaxKernel({ d })
      : node.op === "scale"
        ? unaryKernel({ op: "scale", d, factor: node.attrs["factor"] as number })
        : unaryKernel({ op: node.op as "gelu", d });
  b.dispatch(kernel, [b.value(x, `value.${x}`), out], { rows }, [node]);
}

/** The batch and sequence of a [batch, seq, width] value as kernel sizes. */
function batchSeq(b: PlanBuilder, id: number) {
  return { batch: "batch", seq: formatDim(b.shape(id)[1]!) };
}

export function lowerPooling(b: PlanBuilder, node: TypedNode): void {
  const x = node.inputs["x"]!;
  const d = b.width(x);
  const xBuffer = b.value(x, `value.${x}`);
  if (node.op === "cls_pool") {
    b.dispatch(clsPoolKernel({ d }), [xBuffer, b.value(node.output, node.name)], batchSeq(b, x), [
      node,
    ]);
  } else if (node.op === "mean_pool") {
    const padding = node.inputs["padding"];
    b.dispatch(
      meanPoolKernel({ d, padding: padding !== undefined }),
      [
        xBuffer,
        ...(padding !== undefined ? [b.value(padding, `value.${padding}`)] : []),
        b.value(node.output, node.name),
      ],
      batchSeq(b, x),
      [node],
    );
  } else {
    // pooler: the first token through a dense layer and tanh.
    const first = b.scratch(`${node.name}.first`, `${d} * batch`);
    b.dispatch(clsPoolKernel({ d }), [xBuffer, first], batchSeq(b, x), [node]);
    const dense = b.scratch(`${node.name}.dense`, `${d} * batch`);
    matmul(b, node, {
      x: first,
      rows: "batch",
      k: d,
      n: d,
      weights: [b.weightOf(node, "dense.weight")],
      biases: [b.weightOf(node, "dense.bias")],
      out: dense,
    });
    b.dispatch(
      unaryKernel({ op: "tanh", d }),
      [dense, b.value(node.output, node.name)],
      { rows: "batch" },
      [node],
    );
  }
}

export function lowerPatch(b: PlanBuilder, node: TypedNode, fusions: Fusions): void {
  if (node.op === "patch_embed") {
    const image = node.inputs["image"]!;
    const [, channels, height, width] = b.values.get(image)!.shape as number[];
    const [d] = b.weightShape(node, "weight") as [number];
    b.dispatch(
      patchEmbedKernel({
        channels: channels!,
        height: height!,
        width: width!,
        patch: node.attrs["patch"] as number,
        d,
      }),
      [
        b.value(image, `value.${image}`),
        b.weightOf(node, "weight"),
        b.weightOf(node, "bias"),
        b.value(node.output, node.name),
      ],
      { batch: "batch" },
      [node],
    );
    return;
  }
  // cls_token, with `+ learned_positions(...)` of its output folded in.
  const x = node.inputs["x"]!;
  const d = b.width(x);
  const add = (b.consumers.get(node.output) ?? []).find((n) => n.op === "add");
  const other =
    add && producer(b, add.inputs["a"] === node.output ? add.inputs["b"]! : add.inputs["a"]!);
  const fold =
    add &&
    other?.op === "learned_positions" &&
    other.inputs["x"] === node.output &&
    onlyAddReads(b, node.output, add) &&
    b.soleConsumer(other.output) === add;
  const result = fold ? add! : node;
  if (fold) for (const n of [other!, add!]) fusions.absorbed.add(n.id);
  const out = b.value(result.output, result.name);
  b.dispatch(
    clsTokenKernel({ d, positions: Boolean(fold) }),
    [
      b.value(x, `value.${x}`),
      b.weightOf(node, "weight"),
      ...(fold ? [b.weightOf(other!, "weight")] : []),
      out,
    ],
    batchSeq(b, x),
    [node],
  );
  b.alias(node.output, out);
}

export function lowerMoe(b: PlanBuilder, node: TypedNode): void {
  if (node.attrs["bias"] === true)
    throw new LoweringError("MoE experts with biases have no WebGPU kernel yet", node);
  const x = node.inputs["x"]!;
  const d = b.width(x);
  const rows = b.rows(x);
  const experts = node.attrs["experts"] as number;
  const topK = node.attrs["top_k"] as number;
  const hidden = node.attrs["hidden"] as number;
  const act = node.attrs["act"] as "swiglu";
  const xBuffer = b.value(x, `value.${x}`);
  const logits = b.scratch(
    `${node.name}.router_logits`,
    typeof rows === "number" ? rows * experts : `${experts} * ${rows}`,
  );
  matmul(b, node, {
    x: xBuffer,
    rows,
    k: d,
    n: experts,
    weights: [b.weightOf(node, "router.weight")],
    biases: [],
    out: logits,
  });
  const indices = b.scratch(
    `${node.name}.indices`,
    typeof rows === "number" ? rows * topK : `${topK} * ${rows}`,
    "u32",
  );
  const gates = b.scratch(
    `${node.name}.gates`,
    typeof rows === "number" ? rows * topK : `${topK} * ${rows}`,
  );
  b.dispatch(moeRouterKernel({ experts, topK }), [logits, indices, gates], { rows }, [node]);
  const gated = act === "swiglu" || act === "geglu";
  const stacked = (prefixes: string[], suffix: string, rowsOf: number, cols: number) =>
    b.weight(
      prefixes.map((p) => `${node.name}.${p}${suffix}`),
      prefixes.length * rowsOf * cols,
    );
  const routed = Array.from({ length: experts }, (_, e) => `experts.${e}.`);
  const weights = (prefixes: string[], h: number) => [
    stacked(prefixes, "up.weight", h, d),
    ...(gated ? [stacked(prefixes, "gate.weight", h, d)] : []),
    stacked(prefixes, "down.weight", d, h),
  ];
  const out = b.value(node.output, node.name);
  b.dispatch(
    moeExpertsKernel({ d, hidden, experts, topK, act }),
    [xBuffer, indices, gates, ...weights(routed, hidden), out],
    { rows },
    [node],
  );
  const shared = node.attrs["shared_hidden"];
  if (typeof shared === "number") {
    b.dispatch(
      sharedExpertKernel({ d, hidden: shared, act }),
      [xBuffer, ...weights(["shared."], shared), out],
      { rows },
      [node],
    );
  }
}
