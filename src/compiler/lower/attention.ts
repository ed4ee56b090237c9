import { dimFromJson, formatDim } from "../../contracts/dims.ts";
import type { TypedNode } from "../../contracts/ir/schema.ts";
import { unrolledAttentionKernel } from "../codegen/attention-unrolled.ts";
import {
  attentionKernel,
  decodeAttentionKernel,
  defaultAttentionTile,
  decodeCombineKernel,
  decodePartialSize,
  decodeSplit,
  type AttentionOptions,
} from "../codegen/attention.ts";
import { kvAppendKernel } from "../codegen/kv-append.ts";
import type { SizeExpr } from "../../contracts/kernel.ts";
import { LoweringError, type PlanBuilder } from "./builder.ts";
import { matmul, residualFor } from "./dense.ts";
import type { Fusions } from "./fusions.ts";

/** Cache lengths up to which decode steps on CPU adapters use the unrolled kernel (see below). */
const CPU_UNROLLED_DECODE_MAX_LEN = 512;

function times(a: SizeExpr, n: number): SizeExpr {
  return typeof a === "number" ? a * n : `${n} * ${a}`;
}

/** The sequence axis of a [batch, seq, width] value, as a size expression. */
function sequence(b: PlanBuilder, id: number): SizeExpr {
  const text = formatDim(b.shape(id)[1]!);
  return /^\d+$/.test(text) ? Number(text) : text;
}

/**
 * Self- and cross-attention: Q, K, V projections (matmuls), K/V appended to the layer's cache
 * (RoPE applied to keys there), the flash-style attention kernel (or, for one new position, the
 * split decode kernel and its combine), then the output projection with the residual add folded in.
 */
export function lowerAttention(
  b: PlanBuilder,
  node: TypedNode,
  fusions: Fusions,
  step: string | null,
): void {
  const cross = node.op === "cross_attention";
  const x = node.inputs["x"]!;
  const source = cross ? node.inputs["memory"]! : x;
  const heads = node.attrs["heads"] as number;
  const kvHeads = node.attrs["kv_heads"] as number;
  const headDim = node.attrs["head_dim"] as number;
  const rope =
    typeof node.attrs["rope"] === "number" && !cross ? (node.attrs["rope"] as number) : null;
  const d = b.width(x);
  const sourceWidth = b.width(source);
  const rows = b.rows(x);
  const sourceRows = b.rows(source);
  const seq = sequence(b, x);
  const sourceSeq = sequence(b, source);
  const maxLen = typeof sourceSeq === "number" ? sourceSeq : b.maxSizes.get(sourceSeq);
  if (maxLen === undefined)
    throw new LoweringError(
      `the key sequence ${sourceSeq} needs a bound to size the KV cache`,
      node,
    );
  // A cached decoder layer: its keys accumulate over decode steps at positions past + s.
  const cached = !cross && step !== null && formatDim(dimFromJson(seq)!) === step;

  const bias = (name: string) =>
    b.hasWeight(node, `${name}.bias`) ? [b.weightOf(node, `${name}.bias`)] : [];
  const project = (name: string, input: number, inputRows: SizeExpr, k: number, n: number) => {
    const out = b.scratch(`${node.name}.${name}`, times(inputRows, n));
    matmul(b, node, {
      x: input,
      rows: inputRows,
      k,
      n,
      weights: [b.weightOf(node, `${name}.weight`)],
      biases: bias(name),
      out,
    });
    return out;
  };
  const xBuffer = b.value(x, `value.${x}`);
  const sourceBuffer = b.value(source, `value.${source}`);
  const cacheElements = (b.maxSizes.get("batch") ?? 1) * maxLen * kvHeads * headDim;
  const kCache = b.scratch(`${node.name}.k_cache`, cacheElements, "f32", "kv_cache");
  const vCache = b.scratch(`${node.name}.v_cache`, cacheElements, "f32", "kv_cache");
  const past: SizeExpr = cached ? "past" : 0;
  const appendSizes = { seq: sourceSeq, past, rows: sourceRows, batch: "batch" };
  let q: number;
  let qRowStride: number | undefined;
  let memoryStepsFrom = b.steps.length;
  if (!cross) {
    // Self-attention: one matmul computes q | k | v side by side ([rows, (H + 2·KV)·hd]), with the
    // three weight matrices (and biases) concatenated into one buffer at load.
    const width = (heads + 2 * kvHeads) * headDim;
    const qkv = b.scratch(`${node.name}.qkv`, times(rows, width));
    const names = ["q", "k", "v"];
    const weights = b.weight(
      names.map((n) => `${node.name}.${n}.weight`),
      width * d,
    );
    const biases = b.hasWeight(node, "q.bias")
      ? [
          b.weight(
            names.map((n) => `${node.name}.${n}.bias`),
            width,
          ),
        ]
      : [];
    matmul(b, node, { x: xBuffer, rows, k: d, n: width, weights: [weights], biases, out: qkv });
    const source = {
      rowStride: width,
      kOffset: heads * headDim,
      vOffset: (heads + kvHeads) * headDim,
    };
    b.dispatch(
      kvAppendKernel({ kvHeads, headDim, maxLen, ropeTheta: rope, source }),
      [qkv, qkv, kCache, vCache],
      appendSizes,
      [node],
    );
    q = qkv;
    qRowStride = width;
  } else {
    q = project("q", xBuffer, rows, d, heads * headDim);
    memoryStepsFrom = b.steps.length; // q's projection (one or two dispatches) runs every step
    const kNew = project("k", sourceBuffer, sourceRows, sourceWidth, kvHeads * headDim);
    const vNew = project("v", sourceBuffer, sourceRows, sourceWidth, kvHeads * headDim);
    b.dispatch(
      kvAppendKernel({ kvHeads, headDim, maxLen, ropeTheta: rope }),
      [kNew, vNew, kCache, vCache],
      appendSizes,
      [node],
    );
  }
  // Cross-attention's memory K/V depend only on the encoder: compute them once (q is per step).
  if (cross) for (let i = memoryStepsFrom; i < b.steps.length; i++) b.steps[i]!.phase = "encoder";

  const options: AttentionOptions = {
    heads,
    kvHeads,
    headDim,
    maxLen,
    causal: node.attrs["causal"] === true,
    scale: node.attrs["scale"] as number,
    ropeTheta: rope,
    padding: node.inputs["padding"] !== undefined,
    ...(node.attrs["alibi"] === true ? { alibi: true } : {}),
    ...(cross ? { cross: true } : {}),
    ...(qRowStride !== undefined ? { qRowStride } : {}),
    ...positionBias(b, node),
  };
  const extra = [
    ...(node.inputs["padding"] !== undefined
      ? [b.value(node.inputs["padding"], `value.${node.inputs["padding"]}`)]
      : []),
    ...(node.inputs["position_bias"] !== undefined ? [biasTable(b, node)] : []),
  ];
  const context = b.scratch(`${node.name}.context`, times(rows, heads * headDim));
  const keys: SizeExpr = cross ? sourceSeq : cached ? `past + ${seq}` : seq;
  const sizes = {
    seq,
    past: cross ? 0 : past,
    keys,
    batch: "batch",
    ...(cross ? { src_len: sourceSeq } : {}),
  };
  // CPU adapters get the unrolled kernel (attention-unrolled.ts says why); GPUs the tiled one.
  const prefill =
    b.target === "cpu"
      ? unrolledAttentionKernel(options)
      : attentionKernel({ ...options, tile: defaultAttentionTile(b.target, headDim) });
  // On CPU adapters the unrolled kernel also serves decode steps over a short cache: one
  // invocation walks the keys, where the decode kernel's 64 lanes pay a merge through workgroup
  // memory. Measured on SwiftShader (bench/attention.ts, tiny-gpt-moby): 0.9 against 1.6 ms a
  // layer at 128 keys, 71 against 47 ms at 8192; the two cross near 600 keys.
  const unrolledDecode = b.target === "cpu" && maxLen <= CPU_UNROLLED_DECODE_MAX_LEN;
  if (!cached || unrolledDecode) {
    b.dispatch(prefill, [q, kCache, vCache, ...extra, context], sizes, [node]);
  } else {
    b.dispatch(prefill, [q, kCache, vCache, ...extra, context], sizes, [node], "prefill");
    // On SwiftShader one workgroup over every key beats splitting them (measured; see the kernel).
    const decodeOptions = b.target === "cpu" ? { ...options, chunk: maxLen } : options;
    const decode = decodeAttentionKernel(decodeOptions);
    if (decodeSplit(decodeOptions).split) {
      const partials = b.scratch(
        `${node.name}.partials`,
        (b.maxSizes.get("batch") ?? 1) * heads * decodePartialSize(decodeOptions),
      );
      b.dispatch(decode, [q, kCache, vCache, ...extra, partials], sizes, [node], "decode");
      b.dispatch(decodeCombineKernel(decodeOptions), [partials, context], sizes, [node], "decode");
    } else {
      b.dispatch(decode, [q, kCache, vCache, ...extra, context], sizes, [node], "decode");
    }
  }

  const fused = residualFor(b, node, fusions);
  const y = fused?.out ?? b.value(node.output, node.name);
  matmul(b, node, {
    x: context,
    rows,
    k: heads * headDim,
    n: b.weightShape(node, "o.weight")[0]!, // the output width: `out`, or d
    weights: [b.weightOf(node, "o.weight")],
    biases: bias("o"),
    ...(fused ? { residual: fused.residual } : {}),
    out: y,
  });
  b.alias(node.output, y);
}

function biasSource(b: PlanBuilder, node: TypedNode): TypedNode {
  const id = node.inputs["position_bias"]!;
  const source = b.ir.nodes.find((n) => n.output === id);
  if (!source) throw new LoweringError("the position bias has no producing layer", node);
  return source;
}

function positionBias(b: PlanBuilder, node: TypedNode): Pick<AttentionOptions, "positionBias"> {
  if (node.inputs["position_bias"] === undefined) return {};
  const source = biasSource(b, node);
  return {
    positionBias: {
      buckets: source.attrs["buckets"] as number,
      maxDistance: source.attrs["max_distance"] as number,
      bidirectional: source.attrs["bidirectional"] === true,
    },
  };
}

function biasTable(b: PlanBuilder, node: TypedNode): number {
  return b.weightOf(biasSource(b, node), "weight");
}
