/**
 * A fast-check generator of semantically valid Loom models, rendered to source text.
 *
 * A model is drawn as a plan (family, sizes, norms, activations, positions, blocks) whose sizes
 * satisfy every shape rule by construction: heads divide the width, kv_heads divide heads,
 * head_dim is even under RoPE, the patch divides the image, top_k <= experts, sequences are
 * bounded by their position tables. Layers are pre-norm, post-norm, parallel, or add two linears;
 * models may output their final states beside the head. `tinySpec` draws the same models with
 * sizes small enough to run many on SwiftShader. Every dim, input and value the text declares is used, so a
 * correct checker reports neither errors nor warnings.
 */
import fc from "fast-check";

export type Family = "decoder" | "encoder" | "encoder_decoder" | "vit" | "moe";

const FAMILIES: Family[] = ["decoder", "encoder", "encoder_decoder", "vit", "moe"];
const ACTIVATIONS = ["gelu", "gelu_tanh", "relu", "silu", "swiglu", "geglu"] as const;
const KEYWORDS = new Set([
  ...["model", "block", "include", "dims", "input", "output", "repeat", "return", "as"],
  ...["true", "false"],
]);

/** The attention, FFN and norm settings shared by every layer of a stack. */
export interface LayerPlan {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Pass head_dim explicitly (then the width need not be heads * head_dim). */
  explicitHeadDim: boolean;
  rope: boolean;
  theta: number;
  /** ALiBi on self-attention (left out where a relative position bias is used). */
  alibi: boolean;
  norm: "layernorm" | "rmsnorm";
  eps: string | undefined;
  ffn: "mlp" | "swiglu" | "geglu";
  act: (typeof ACTIVATIONS)[number] | undefined;
  hiddenMultiple: number;
  attentionBias: boolean | undefined;
  scale: string | undefined;
  layers: number;
  /**
   * How each layer adds its branches to the residual stream: pre-norm, post-norm (the norm of the
   * sum), parallel (attention and FFN summed in one statement, the stream first or last), or
   * pre-norm followed by a sum of two linears (`linear(norm(x), d) + linear(x, d)`).
   */
  residual: "pre" | "post" | "parallel" | "parallel_swapped" | "sum_linears";
  /** How the layers are written: a repeat, a named repeat, or one line per layer. */
  style: "repeat" | "repeat_as" | "unrolled";
  /** Write the layer as a block (with default parameters when `blockDefaults`). */
  block: boolean;
  blockDefaults: boolean;
}

/** Everything one generated model is made of. */
export interface ModelPlan {
  family: Family;
  name: string;
  /** Name sizes in `dims` (declared when first used) rather than writing literals. */
  namedDims: boolean;
  layer: LayerPlan;
  width: number;
  vocab: number;
  positions: "learned" | "sinusoidal" | "none";
  /** Extra arguments of sinusoidal_positions: a layout, timescales, or none. */
  sinusoid: string;
  /** Bound the sequences (`seq <= N`) even without learned positions (the WebGPU lowering needs it). */
  boundSeq: boolean;
  /** Also output the final states, beside the head. */
  extraOutput: boolean;
  extraPositions: number;
  tied: boolean;
  mask: boolean;
  relativeBias: boolean;
  head: "lm_head" | "linear" | "pooler" | "mean_pool" | "cls_pool" | "hidden";
  classes: number;
  experts: number;
  topK: number;
  sharedExpert: boolean;
  channels: number;
  patch: number;
  gridH: number;
  gridW: number;
  clsToken: boolean;
}

/** The largest sizes a generated model draws (the smallest are 1, or 2 for a vocabulary). */
export interface SpecSizes {
  heads: number;
  headDimHalf: number;
  /** head_dim is a multiple of this (1: any, odd only without RoPE); WebGPU's CPU kernels need 8. */
  headDimMultiple: number;
  /** The fewest positions past the first that sequences hold. */
  minExtraPositions: number;
  /** Bound every sequence, as the WebGPU lowering needs. */
  boundSequences: boolean;
  hiddenMultiple: number;
  layers: number;
  widthPick: number;
  vocab: number;
  extraPositions: number;
  classes: number;
  experts: number;
  channels: number;
  patch: number;
  grid: number;
}

/** Sizes for front-end properties: up to real models' head counts and vocabularies. */
export const FULL_SIZES: SpecSizes = {
  heads: 8,
  headDimHalf: 24,
  headDimMultiple: 1,
  minExtraPositions: 0,
  boundSequences: false,
  hiddenMultiple: 4,
  layers: 3,
  widthPick: 3,
  vocab: 50_000,
  extraPositions: 64,
  classes: 1000,
  experts: 4,
  channels: 3,
  patch: 8,
  grid: 4,
};

/** Sizes small enough to run many models on SwiftShader (differential tests). */
export const TINY_SIZES: SpecSizes = {
  heads: 3,
  headDimHalf: 2,
  headDimMultiple: 8,
  minExtraPositions: 4,
  boundSequences: true,
  hiddenMultiple: 2,
  layers: 2,
  widthPick: 2,
  vocab: 32,
  extraPositions: 6,
  classes: 6,
  experts: 3,
  channels: 2,
  patch: 2,
  grid: 2,
};

const layerPlanOf = (max: SpecSizes): fc.Arbitrary<LayerPlan> =>
  fc
    .record({
      heads: fc.integer({ min: 1, max: max.heads }),
      kvPick: fc.nat(),
      headDimHalf: fc.integer({ min: 1, max: max.headDimHalf }),
      oddHeadDim: fc.boolean(),
      explicitHeadDim: fc.boolean(),
      rope: fc.boolean(),
      theta: fc.constantFrom(10000, 500000, 1000000),
      alibi: fc.constantFrom(false, false, false, true), // one layer plan in four
      norm: fc.constantFrom("layernorm" as const, "rmsnorm" as const),
      eps: fc.option(fc.constantFrom("1e-5", "1e-6", "0.00001"), { nil: undefined }),
      ffn: fc.constantFrom("mlp" as const, "swiglu" as const, "geglu" as const),
      act: fc.option(fc.constantFrom(...ACTIVATIONS), { nil: undefined }),
      hiddenMultiple: fc.integer({ min: 1, max: max.hiddenMultiple }),
      attentionBias: fc.option(fc.boolean(), { nil: undefined }),
      scale: fc.option(fc.constantFrom("1", "0.125", "0.5"), { nil: undefined }),
      layers: fc.integer({ min: 1, max: max.layers }),
      residual: fc.constantFrom(
        "pre" as const,
        "post" as const,
        "parallel" as const,
        "parallel_swapped" as const,
        "sum_linears" as const,
      ),
      style: fc.constantFrom("repeat" as const, "repeat_as" as const, "unrolled" as const),
      block: fc.boolean(),
      blockDefaults: fc.boolean(),
    })
    .map(({ kvPick, headDimHalf, oddHeadDim, ...rest }) => {
      const divisors = [...Array(rest.heads).keys()]
        .map((i) => i + 1)
        .filter((k) => rest.heads % k === 0);
      // RoPE rotates pairs of channels, so head_dim is even under RoPE; odd only without it.
      const headDim =
        max.headDimMultiple > 1
          ? max.headDimMultiple * headDimHalf
          : rest.rope || !oddHeadDim
            ? 2 * headDimHalf
            : 2 * headDimHalf - 1;
      return { ...rest, kvHeads: divisors[kvPick % divisors.length]!, headDim };
    });

const identifier = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,10}$/)
  .filter((name) => !KEYWORDS.has(name));

/** A plan for a model of any family whose sizes satisfy every shape rule, up to `max`. */
export const modelPlanOf = (max: SpecSizes): fc.Arbitrary<ModelPlan> =>
  fc
    .record({
      family: fc.constantFrom(...FAMILIES),
      name: identifier,
      namedDims: fc.boolean(),
      layer: layerPlanOf(max),
      widthPick: fc.integer({ min: 1, max: max.widthPick }),
      vocab: fc.integer({ min: 2, max: max.vocab }),
      positions: fc.constantFrom("learned" as const, "sinusoidal" as const, "none" as const),
      sinusoid: fc.constantFrom(
        "",
        ", layout = halves",
        ", min_timescale = 2, max_timescale = 500",
        ", layout = halves, max_timescale = 1e4",
      ),
      boundSeq: max.boundSequences ? fc.constant(true) : fc.boolean(),
      extraOutput: fc.boolean(),
      extraPositions: fc.integer({ min: max.minExtraPositions, max: max.extraPositions }),
      tied: fc.boolean(),
      mask: fc.boolean(),
      relativeBias: fc.boolean(),
      headPick: fc.nat(),
      classes: fc.integer({ min: 1, max: max.classes }),
      experts: fc.integer({ min: 1, max: max.experts }),
      topKPick: fc.nat(),
      sharedExpert: fc.boolean(),
      channels: fc.integer({ min: 1, max: max.channels }),
      patch: fc.integer({ min: 1, max: max.patch }),
      gridH: fc.integer({ min: 1, max: max.grid }),
      gridW: fc.integer({ min: 1, max: max.grid }),
      clsToken: fc.boolean(),
    })
    .map(({ widthPick, headPick, topKPick, ...p }) => {
      const layer = p.layer;
      // With head_dim given explicitly the width is free; otherwise it is heads * head_dim.
      const width = layer.explicitHeadDim
        ? layer.heads * layer.headDim + 8 * (widthPick - 1)
        : layer.heads * layer.headDim;
      const heads: Record<Family, ModelPlan["head"][]> = {
        decoder: ["lm_head", "linear"],
        moe: ["lm_head", "linear"],
        encoder_decoder: ["lm_head", "linear"],
        encoder: ["pooler", "mean_pool", "cls_pool", "hidden"],
        vit: ["cls_pool", "mean_pool"],
      };
      const options = heads[p.family];
      return {
        ...p,
        width,
        head: options[headPick % options.length]!,
        topK: (topKPick % p.experts) + 1,
      };
    });

/** A plan for a model of any family, with sizes up to FULL_SIZES. */
export const modelPlan: fc.Arbitrary<ModelPlan> = modelPlanOf(FULL_SIZES);

/** Collects the sizes a model names, declaring each in `dims` the first time it is used. */
class Dims {
  private readonly used = new Map<string, number>();

  constructor(private readonly named: boolean) {}

  /** The name of the dim (declared on first use) or, without named dims, the literal. */
  ref(name: string, value: number): string {
    if (!this.named) return String(value);
    this.used.set(name, value);
    return name;
  }

  /** The `dims { … }` line, or nothing when no size was named. */
  declaration(): string[] {
    if (this.used.size === 0) return [];
    const defs = [...this.used].map(([name, value]) => `${name} = ${value}`);
    return [`  dims { ${defs.join(", ")} }`];
  }
}

/** Values a layer line needs, as expressions: in a model they are dims, in a block parameters. */
interface LayerArgs {
  heads: string;
  kvHeads: string;
  hidden: string;
}

function norm(l: LayerPlan, x: string): string {
  return l.eps === undefined ? `${l.norm}(${x})` : `${l.norm}(${x}, eps = ${l.eps})`;
}

/** An attention call over `input` (the normed stream, or the stream itself under post-norm). */
function attention(
  l: LayerPlan,
  args: LayerArgs,
  input: string,
  extra: { causal?: boolean; padding?: string; memory?: string; bias?: string },
): string {
  const parts = [input];
  if (extra.memory) parts.push(extra.memory);
  parts.push(args.heads);
  if (l.kvHeads !== l.heads) parts.push(`kv_heads = ${args.kvHeads}`);
  if (l.explicitHeadDim) parts.push(`head_dim = ${l.headDim}`);
  if (extra.causal) parts.push("causal");
  if (extra.padding) parts.push(`padding = ${extra.padding}`);
  if (l.rope) parts.push(`rope(theta = ${l.theta})`);
  if (extra.bias) parts.push(`position_bias = ${extra.bias}`);
  else if (l.alibi && !extra.memory) parts.push("alibi");
  if (l.scale !== undefined) parts.push(`scale = ${l.scale}`);
  if (l.attentionBias !== undefined) parts.push(`bias = ${l.attentionBias}`);
  const layer = extra.memory ? "cross_attention" : "attention";
  return `${layer}(${parts.join(", ")})`;
}

function ffn(l: LayerPlan, args: LayerArgs, input: string): string {
  if (l.ffn !== "mlp") return `${l.ffn}(${input}, ${args.hidden})`;
  const act = l.act === undefined ? "" : `, act = ${l.act}`;
  return `mlp(${input}, ${args.hidden}${act})`;
}

function moe(p: ModelPlan, args: LayerArgs, dims: Dims | undefined, input: string): string {
  const experts = dims ? dims.ref("experts", p.experts) : String(p.experts);
  const topK = dims ? dims.ref("top_k", p.topK) : String(p.topK);
  const shared = p.sharedExpert ? `, shared_hidden = ${args.hidden}` : "";
  return `moe(${input}, ${experts}, ${topK}, hidden = ${args.hidden}${shared})`;
}

/** The statements of one layer acting on `x`. */
function layerLines(
  p: ModelPlan,
  args: LayerArgs,
  dims: Dims | undefined,
  x: string,
  extra: {
    causal?: boolean;
    padding?: string;
    memory?: string;
    bias?: string;
    crossPadding?: string;
  },
): string[] {
  const l = p.layer;
  const self = (input: string) => attention(l, args, input, { ...extra, memory: undefined });
  const cross = extra.memory
    ? (input: string) =>
        attention(l, args, input, { memory: extra.memory, padding: extra.crossPadding })
    : undefined;
  const ff = (input: string) =>
    p.family === "moe" ? moe(p, args, dims, input) : ffn(l, args, input);
  const n = norm(l, x);
  const pre = (branch: (input: string) => string) => `${x} = ${x} + ${branch(n)}`;
  switch (l.residual) {
    case "post":
      return [self, ...(cross ? [cross] : []), ff].map(
        (branch) => `${x} = ${norm(l, `${x} + ${branch(x)}`)}`,
      );
    case "parallel":
    case "parallel_swapped": {
      // The attention (the cross-attention, when there is memory) and the FFN read one norm.
      const first = cross ?? self;
      const sum =
        l.residual === "parallel"
          ? `${x} + ${first(n)} + ${ff(n)}`
          : `${first(n)} + ${ff(n)} + ${x}`;
      return [...(cross ? [pre(self)] : []), `${x} = ${sum}`];
    }
    default: {
      const lines = [pre(self), ...(cross ? [pre(cross)] : []), pre(ff)];
      if (l.residual === "sum_linears")
        lines.push(`${x} = linear(${n}, ${p.width}) + linear(${x}, ${p.width})`);
      return lines;
    }
  }
}

/** A stack of layers over `x`: repeated, unrolled, or through a block. */
function stack(
  p: ModelPlan,
  dims: Dims,
  blocks: string[],
  x: string,
  scope: string,
  extra: {
    causal?: boolean;
    padding?: string;
    memory?: string;
    bias?: string;
    crossPadding?: string;
  },
): string[] {
  const l = p.layer;
  const hidden = l.hiddenMultiple * p.width;
  // Sizes are named (and so declared) only where the text uses them.
  const modelArgs = (): LayerArgs => ({
    heads: dims.ref("heads", l.heads),
    kvHeads: l.kvHeads !== l.heads ? dims.ref("kv_heads", l.kvHeads) : "",
    hidden: p.namedDims
      ? dims.ref("ffn", hidden)
      : `${l.hiddenMultiple} * ${dims.ref("d", p.width)}`,
  });
  let body: string[];
  if (l.block) {
    // Blocks see only their parameters: pass the sizes, and the tensors the layer reads.
    const tensors = [extra.memory, extra.padding ?? extra.crossPadding, extra.bias].filter(
      (t): t is string => t !== undefined,
    );
    const sizes: [string, number][] = [
      ["heads", l.heads],
      ...(l.kvHeads !== l.heads ? [["kv_heads", l.kvHeads] as [string, number]] : []),
      ["hidden", hidden],
    ];
    const params = [
      "x",
      ...tensors,
      ...sizes.map(([name, value]) => (l.blockDefaults ? `${name} = ${value}` : name)),
    ];
    const name = `${scope}_layer`;
    const inner = layerLines(
      p,
      { heads: "heads", kvHeads: "kv_heads", hidden: "hidden" },
      undefined,
      "x",
      extra,
    );
    blocks.push(
      `block ${name}(${params.join(", ")}) {`,
      ...inner.slice(0, -1).map((line) => `  ${line}`),
      `  return ${inner[inner.length - 1]!.slice("x = ".length)}`,
      "}",
      "",
    );
    const given = (args: LayerArgs) => [
      args.heads,
      ...(l.kvHeads !== l.heads ? [args.kvHeads] : []),
      args.hidden,
    ];
    const callArgs = [x, ...tensors, ...(l.blockDefaults ? [] : given(modelArgs()))];
    body = [`${x} = ${name}(${callArgs.join(", ")})`];
  } else {
    body = layerLines(p, modelArgs(), dims, x, extra);
  }
  if (l.style === "unrolled") {
    return Array.from({ length: l.layers }, () => body.map((line) => `  ${line}`)).flat();
  }
  const count = dims.ref(`${scope}_layers`, l.layers);
  const head = l.style === "repeat_as" ? `  repeat ${count} as ${scope} {` : `  repeat ${count} {`;
  return [head, ...body.map((line) => `    ${line}`), "  }"];
}

function positions(p: ModelPlan, dims: Dims, x: string, maxLen: number): string[] {
  if (p.positions === "learned")
    return [`  ${x} = ${x} + learned_positions(${x}, ${dims.ref("max_len", maxLen)})`];
  if (p.positions === "sinusoidal")
    return [`  ${x} = ${x} + sinusoidal_positions(${x}${p.sinusoid})`];
  return [];
}

/** The output lines of a model whose final states are `x`: the head, and the states if asked. */
function outputLine(p: ModelPlan, dims: Dims, x: string, label: string): string {
  const extra = p.extraOutput && p.head !== "hidden" ? `  output states = ${x}\n` : "";
  return extra + headLine(p, dims, x, label);
}

function headLine(p: ModelPlan, dims: Dims, x: string, label: string): string {
  const h = norm(p.layer, x);
  switch (p.head) {
    case "lm_head":
      return p.tied
        ? `  output logits = lm_head(${h}, tied_to = ${label})`
        : `  output logits = lm_head(${h}, ${dims.ref("vocab", p.vocab)})`;
    case "linear":
      return `  output logits = linear(${h}, ${dims.ref("vocab", p.vocab)}, bias = false)`;
    case "pooler":
      return `  output pooled = pooler(${h})`;
    case "mean_pool":
      return p.mask && p.family === "encoder"
        ? `  output pooled = mean_pool(${h}, padding = mask)`
        : `  output pooled = mean_pool(${h})`;
    case "cls_pool":
      return `  output logits = classifier(cls_pool(${h}), ${dims.ref("classes", p.classes)})`;
    case "hidden":
      return `  output hidden = ${h}`;
  }
}

/** Renders a plan as the source text of one spec file. */
export function renderModel(p: ModelPlan): string {
  const dims = new Dims(p.namedDims);
  const blocks: string[] = [];
  const inputs: string[] = [];
  const body: string[] = [];
  const d = () => dims.ref("d", p.width);
  const seqBound = p.extraPositions + 1;
  const bounded = p.positions === "learned" || (p.boundSeq && p.family !== "vit");
  const seq = (name: string) => (bounded ? `${name} <= ${seqBound}` : name);

  switch (p.family) {
    case "decoder":
    case "moe": {
      inputs.push(`  input tokens: int[batch, ${seq("seq")}]`);
      body.push(`  x = embed(tokens, ${dims.ref("vocab", p.vocab)}, ${d()}) as wte`);
      body.push(...positions(p, dims, "x", seqBound));
      body.push(...stack(p, dims, blocks, "x", "decoder", { causal: true }));
      body.push(outputLine(p, dims, "x", "wte"));
      break;
    }
    case "encoder": {
      inputs.push(`  input tokens: int[batch, ${seq("seq")}]`);
      if (p.mask) inputs.push("  input mask: bool[batch, seq]");
      body.push(`  x = embed(tokens, ${dims.ref("vocab", p.vocab)}, ${d()})`);
      body.push(...positions(p, dims, "x", seqBound));
      if (p.relativeBias)
        body.push(
          `  rel = relative_position_bias(${dims.ref("heads", p.layer.heads)}, buckets = 16)`,
        );
      body.push(
        ...stack(p, dims, blocks, "x", "encoder", {
          ...(p.mask ? { padding: "mask" } : {}),
          ...(p.relativeBias ? { bias: "rel" } : {}),
        }),
      );
      body.push(outputLine(p, dims, "x", ""));
      break;
    }
    case "encoder_decoder": {
      inputs.push(`  input src: int[batch, ${seq("src_len")}]`);
      if (p.mask) inputs.push("  input src_mask: bool[batch, src_len]");
      inputs.push(`  input tgt: int[batch, ${seq("tgt_len")}]`);
      const padding = p.mask ? { padding: "src_mask" } : {};
      body.push(`  memory = embed(src, ${dims.ref("vocab", p.vocab)}, ${d()}) as shared`);
      body.push(...positions(p, dims, "memory", seqBound));
      body.push(...stack(p, dims, blocks, "memory", "encoder", padding));
      body.push(`  memory = ${norm(p.layer, "memory")}`);
      body.push(
        p.tied
          ? "  y = embed(tgt, tied_to = shared)"
          : `  y = embed(tgt, ${dims.ref("vocab", p.vocab)}, ${d()})`,
      );
      body.push(...positions(p, dims, "y", seqBound));
      body.push(
        ...stack(p, dims, blocks, "y", "decoder", {
          causal: true,
          memory: "memory",
          ...(p.mask ? { crossPadding: "src_mask" } : {}),
        }),
      );
      body.push(outputLine(p, dims, "y", "shared"));
      break;
    }
    case "vit": {
      const h = p.gridH * p.patch;
      const w = p.gridW * p.patch;
      const patchCount = p.gridH * p.gridW + (p.clsToken ? 1 : 0);
      inputs.push(
        `  input pixels: float[batch, ${p.channels}, ${dims.ref("height", h)}, ${dims.ref("width", w)}]`,
      );
      body.push(`  x = patch_embed(pixels, ${dims.ref("patch", p.patch)}, ${d()})`);
      if (p.clsToken) body.push("  x = cls_token(x)");
      body.push(...positions(p, dims, "x", patchCount + p.extraPositions));
      body.push(...stack(p, dims, blocks, "x", "encoder", {}));
      body.push(outputLine(p, dims, "x", ""));
      break;
    }
  }
  return [
    ...blocks,
    `model ${p.name} {`,
    ...dims.declaration(),
    ...inputs,
    "",
    ...body,
    "}",
    "",
  ].join("\n");
}

/** Source text of a valid model, with the plan it was rendered from. */
export const validSpec: fc.Arbitrary<{ plan: ModelPlan; text: string }> = modelPlan.map((plan) => ({
  plan,
  text: renderModel(plan),
}));

/** Source text of a valid model small enough to run on SwiftShader, with its plan. */
export const tinySpec: fc.Arbitrary<{ plan: ModelPlan; text: string }> = modelPlanOf(
  TINY_SIZES,
).map((plan) => ({ plan, text: renderModel(plan) }));
