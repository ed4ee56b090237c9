import { SINUSOID_LAYOUTS } from "../../contracts/sinusoid.ts";
import type { LayerSignature, ParamSpec } from "./signature.ts";

/** Activation functions an MLP can use; the gated ones (swiglu, geglu) have two input matrices. */
export const ACTIVATIONS = ["gelu", "gelu_tanh", "relu", "silu", "swiglu", "geglu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const x: ParamSpec = {
  name: "x",
  kind: "tensor",
  positional: true,
  required: true,
  doc: "input [batch, seq, width]",
};
const bias = (fallback: boolean): ParamSpec => ({
  name: "bias",
  kind: "bool",
  default: fallback,
  doc: "whether the projections have biases",
});

const attentionParams: ParamSpec[] = [
  { name: "heads", kind: "dim", positional: true, required: true, doc: "number of query heads" },
  {
    name: "kv_heads",
    kind: "dim",
    positional: true,
    default: null,
    doc: "key/value heads (GQA/MQA); default: heads",
  },
  {
    name: "head_dim",
    kind: "dim",
    default: null,
    doc: "width of one head; default: width / heads",
  },
  { name: "causal", kind: "flag", default: false, doc: "mask out future positions" },
  {
    name: "padding",
    kind: "tensor",
    default: null,
    doc: "bool[batch, keys] mask, true where a key is real",
  },
  { name: "rope", kind: "rope", default: null, doc: "rotary positions: rope(theta = 10000)" },
  {
    name: "position_bias",
    kind: "position_bias",
    default: null,
    doc: "a relative_position_bias(...) added to the scores",
  },
  { name: "scale", kind: "number", default: null, doc: "score scale; default: 1 / sqrt(head_dim)" },
  {
    name: "out",
    kind: "dim",
    default: null,
    doc: "output width (of the output projection); default: the input width",
  },
  bias(true),
];

const mlpParams = (act: boolean): ParamSpec[] => [
  x,
  { name: "hidden", kind: "dim", positional: true, required: true, doc: "inner width" },
  ...(act
    ? [
        {
          name: "act",
          kind: "enum",
          values: ACTIVATIONS,
          default: "gelu",
          doc: "activation",
        } as ParamSpec,
      ]
    : []),
  { name: "out", kind: "dim", default: null, doc: "output width; default: the input width" },
  bias(true),
];

const activation = (name: string, doc: string): LayerSignature => ({
  name,
  op: name,
  params: [x],
  doc,
  example: `y = ${name}(x)`,
});

const anyX: ParamSpec = {
  name: "x",
  kind: "tensor",
  positional: true,
  required: true,
  doc: "input, a float tensor of any rank",
};

const axisParam = (what: string): ParamSpec => ({
  name: "axis",
  kind: "axis",
  positional: true,
  required: true,
  doc: `the axis ${what}: a dim name (\`seq\`) or an index (\`1\`, \`-1\` for the last)`,
});

const reduction = (name: string, what: string): LayerSignature => ({
  name,
  op: name,
  params: [
    anyX,
    axisParam("reduced"),
    { name: "keepdim", kind: "bool", default: false, doc: "keep the reduced axis, with size 1" },
  ],
  doc: `${what} over one axis; the axis is removed unless \`keepdim = true\`.`,
  example: `h = ${name}(x, seq)`,
});

/** Every built-in layer, by the name a spec calls it. docs/language.md lists them from here. */
export const LAYERS: readonly LayerSignature[] = [
  {
    name: "embed",
    op: "embed",
    params: [
      {
        name: "ids",
        kind: "tensor",
        positional: true,
        required: true,
        doc: "int[batch, seq] token ids",
      },
      { name: "vocab", kind: "dim", positional: true, default: null, doc: "rows of the table" },
      { name: "width", kind: "dim", positional: true, default: null, doc: "width of each row" },
      { name: "tied_to", kind: "label", default: null, doc: "share the table of another embed" },
    ],
    doc: "Token embedding: looks each id up in a [vocab, width] table. Gives [batch, seq, width].",
    example: "x = embed(tokens, vocab, d) as wte",
  },
  {
    name: "learned_positions",
    op: "learned_positions",
    params: [
      x,
      {
        name: "max_len",
        kind: "dim",
        positional: true,
        required: true,
        doc: "rows of the position table",
      },
    ],
    doc: "Learned absolute positions for x's sequence: a [max_len, width] table, gives [seq, width].",
    example: "x = x + learned_positions(x, ctx)",
  },
  {
    name: "sinusoidal_positions",
    op: "sinusoidal_positions",
    params: [
      x,
      {
        name: "base",
        kind: "number",
        default: 10000,
        doc: "wavelength base: pair j turns at base^(-2j/width) radians per position",
      },
      {
        name: "layout",
        kind: "enum",
        values: SINUSOID_LAYOUTS,
        default: "interleaved",
        doc: "interleaved: sin, cos of each pair side by side (Vaswani); halves: every sine, then every cosine (tensor2tensor)",
      },
      {
        name: "min_timescale",
        kind: "number",
        default: null,
        doc: "instead of base: timescales spaced geometrically from this (default 1) to max_timescale",
      },
      {
        name: "max_timescale",
        kind: "number",
        default: null,
        doc: "instead of base: the largest timescale (default 10000)",
      },
    ],
    doc: "Fixed sinusoidal positions (Vaswani 2017; tensor2tensor's timing signal) for x's sequence, gives [seq, width]. No weights.",
    example: "x = x + sinusoidal_positions(x)",
  },
  {
    name: "patch_embed",
    op: "patch_embed",
    params: [
      {
        name: "image",
        kind: "tensor",
        positional: true,
        required: true,
        doc: "float[batch, channels, height, width]",
      },
      { name: "patch", kind: "dim", positional: true, required: true, doc: "patch side in pixels" },
      { name: "width", kind: "dim", positional: true, required: true, doc: "embedding width" },
    ],
    doc: "ViT patch embedding: cuts the image into patch×patch squares and projects each. Gives [batch, patches, width].",
    example: "x = patch_embed(pixels, 16, d)",
  },
  {
    name: "cls_token",
    op: "cls_token",
    params: [x],
    doc: "Prepends a learned [CLS] vector to the sequence: [batch, seq, width] to [batch, seq + 1, width].",
    example: "x = cls_token(x)",
  },
  {
    name: "layernorm",
    op: "layernorm",
    params: [
      x,
      { name: "eps", kind: "number", default: 1e-5, doc: "added to the variance" },
      bias(true),
    ],
    doc: "Layer normalisation over the last axis, with a learned scale (and bias).",
    example: "h = layernorm(x, eps = 1e-5)",
  },
  {
    name: "rmsnorm",
    op: "rmsnorm",
    params: [x, { name: "eps", kind: "number", default: 1e-6, doc: "added to the mean square" }],
    doc: "Root-mean-square normalisation over the last axis, with a learned scale.",
    example: "h = rmsnorm(x, eps = 1e-5)",
  },
  {
    name: "attention",
    op: "attention",
    params: [
      x,
      ...attentionParams,
      {
        name: "alibi",
        kind: "flag",
        default: false,
        doc: "ALiBi: each head's scores minus its slope times the query-key distance (Press et al.)",
      },
    ],
    doc: "Multi-head (or grouped-query) self-attention with its Q, K, V and output projections. Gives x's shape (width `out` when set).",
    example:
      "x = x + attention(rmsnorm(x), heads, kv_heads, causal, rope(theta = 10000), bias = false)",
  },
  {
    name: "cross_attention",
    op: "cross_attention",
    params: [
      x,
      {
        name: "memory",
        kind: "tensor",
        positional: true,
        required: true,
        doc: "the encoder output [batch, src_len, width]",
      },
      ...attentionParams,
    ],
    doc: "Attention from x's positions to the encoder memory's. Gives x's shape (width `out` when set).",
    example: "y = y + cross_attention(layernorm(y), memory, heads)",
  },
  {
    name: "relative_position_bias",
    op: "relative_position_bias",
    params: [
      {
        name: "heads",
        kind: "dim",
        positional: true,
        required: true,
        doc: "heads of the attention that uses it",
      },
      { name: "buckets", kind: "dim", default: 32, doc: "number of relative-distance buckets" },
      {
        name: "max_distance",
        kind: "dim",
        default: 128,
        doc: "distance beyond which buckets are shared",
      },
      {
        name: "bidirectional",
        kind: "bool",
        default: true,
        doc: "separate buckets for keys before and after the query",
      },
    ],
    doc: "T5-style relative position bias: a learned [buckets, heads] table added to attention scores.",
    example: "rel = relative_position_bias(heads, buckets = 32, max_distance = 128)",
  },
  {
    name: "mlp",
    op: "mlp",
    params: mlpParams(true),
    doc: "Feed-forward block: width → hidden → out with an activation; gated acts (swiglu, geglu) use two input matrices.",
    example: "x = x + mlp(layernorm(x), 4 * d, act = gelu_tanh)",
  },
  {
    name: "swiglu",
    op: "mlp",
    fixed: { act: "swiglu" },
    params: mlpParams(false),
    doc: "Shorthand for mlp(x, hidden, act = swiglu): silu(x W1) · (x W3), then W2.",
    example: "x = x + swiglu(rmsnorm(x), ffn, bias = false)",
  },
  {
    name: "geglu",
    op: "mlp",
    fixed: { act: "geglu" },
    params: mlpParams(false),
    doc: "Shorthand for mlp(x, hidden, act = geglu): gelu(x W1) · (x W3), then W2.",
    example: "x = x + geglu(layernorm(x), ffn)",
  },
  {
    name: "moe",
    op: "moe",
    params: [
      x,
      {
        name: "experts",
        kind: "dim",
        positional: true,
        required: true,
        doc: "number of expert MLPs",
      },
      {
        name: "top_k",
        kind: "dim",
        positional: true,
        required: true,
        doc: "experts chosen per token",
      },
      { name: "hidden", kind: "dim", required: true, doc: "inner width of each expert" },
      {
        name: "act",
        kind: "enum",
        values: ACTIVATIONS,
        default: "swiglu",
        doc: "expert activation",
      },
      {
        name: "shared_hidden",
        kind: "dim",
        default: null,
        doc: "inner width of an always-on shared expert; default: none",
      },
      bias(false),
    ],
    doc: "Mixture of experts: a router picks top_k experts per token, their outputs are summed with the renormalised router weights.",
    example: "x = x + moe(rmsnorm(x), experts = 8, top_k = 2, hidden = ffn)",
  },
  {
    name: "linear",
    op: "linear",
    params: [
      x,
      { name: "out", kind: "dim", positional: true, required: true, doc: "output width" },
      bias(true),
    ],
    doc: "A dense projection of the last axis: width → out.",
    example: "y = linear(x, 256, bias = false)",
  },
  {
    name: "lm_head",
    op: "lm_head",
    params: [
      x,
      {
        name: "vocab",
        kind: "dim",
        positional: true,
        default: null,
        doc: "output vocabulary; default: the tied embedding's",
      },
      {
        name: "tied_to",
        kind: "label",
        default: null,
        doc: "reuse this embedding's table as the output matrix",
      },
      bias(false),
    ],
    doc: "Language-model head: projects hidden states to vocabulary logits, optionally tied to an embedding.",
    example: "output logits = lm_head(layernorm(x), tied_to = wte)",
  },
  {
    name: "classifier",
    op: "classifier",
    params: [
      x,
      { name: "classes", kind: "dim", positional: true, required: true, doc: "number of classes" },
      bias(true),
    ],
    doc: "Classification head: a dense layer to class logits.",
    example: "output logits = classifier(cls_pool(x), 1000)",
  },
  {
    name: "pooler",
    op: "pooler",
    params: [x],
    doc: "BERT pooler: the first token's state through a dense layer and tanh. [batch, seq, width] to [batch, width].",
    example: "output pooled = pooler(x)",
  },
  {
    name: "cls_pool",
    op: "cls_pool",
    params: [x],
    doc: "The first ([CLS]) position: [batch, seq, width] to [batch, width].",
    example: "h = cls_pool(x)",
  },
  {
    name: "mean_pool",
    op: "mean_pool",
    params: [
      x,
      {
        name: "padding",
        kind: "tensor",
        default: null,
        doc: "bool[batch, seq] mask of real positions",
      },
    ],
    doc: "Mean over the sequence (of the real positions, with a padding mask): [batch, seq, width] to [batch, width].",
    example: "h = mean_pool(x)",
  },
  {
    name: "l2_normalize",
    op: "l2_normalize",
    params: [
      { ...anyX, doc: "input [..., width]" },
      { name: "eps", kind: "number", default: 1e-12, doc: "the smallest norm divided by" },
    ],
    doc: "x / max(‖x‖₂, eps) over the last axis, as torch.nn.functional.normalize. Same shape out.",
    example: "output embedding = l2_normalize(mean_pool(x))",
  },
  {
    name: "float",
    op: "to_float",
    params: [{ ...anyX, doc: "a bool, int or float tensor" }],
    dtype: "float",
    doc: "The values as floats: a bool mask becomes 1.0 where true and 0.0 where false. Same shape out.",
    example: "m = float(tokens != 0)",
  },
  {
    name: "slice",
    op: "slice",
    params: [
      anyX,
      axisParam("cut"),
      {
        name: "start",
        kind: "number",
        positional: true,
        required: true,
        doc: "the first position kept (an integer ≥ 0)",
      },
      {
        name: "end",
        kind: "number",
        positional: true,
        default: null,
        doc: "the position after the last kept; negative counts from the end; default: the end",
      },
    ],
    doc: "Positions start ≤ i < end of one axis, as `x[:, start:end]` in PyTorch. On a dynamic axis `end` is negative or left out, so the length is the input's less a fixed count.",
    example: "x = slice(x, seq, 1)",
  },
  reduction("sum", "Sum"),
  reduction("mean", "Mean"),
  reduction("max", "Maximum"),
  activation("gelu", "GELU, exact (erf) form."),
  activation("gelu_tanh", "GELU, tanh approximation."),
  activation("relu", "ReLU."),
  activation("silu", "SiLU (swish)."),
  activation("tanh", "Hyperbolic tangent."),
  activation("softmax", "Softmax over the last axis."),
];

const byName = new Map(LAYERS.map((l) => [l.name, l]));

/** The built-in layer called `name`, if any. */
export function findLayer(name: string): LayerSignature | undefined {
  return byName.get(name);
}

/** Functions that build option values rather than layers: rope(...) and sqrt(...). */
export const OPTION_FUNCTIONS = ["rope", "sqrt"] as const;
