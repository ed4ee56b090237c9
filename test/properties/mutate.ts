/**
 * Mutations of spec source text for robustness properties: token deletions, duplications and
 * swaps, numbers replaced by awkward values, inserted junk characters, truncation.
 *
 * Tokens are found by a small regex of our own rather than the project's lexer, so that the
 * mutations do not share the lexer's blind spots.
 */
import fc from "fast-check";

/** A token of source text: its offset and its text (whitespace and comments excluded). */
export interface Token {
  start: number;
  text: string;
}

const TOKEN =
  /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|[A-Za-z_][A-Za-z0-9_]*|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\\n]|\\.)*"|<=|[^\s]/g;

/** The tokens of `text`, skipping whitespace and comments. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const t = match[0];
    if (/^\s/.test(t) || t.startsWith("//") || t.startsWith("/*")) continue;
    tokens.push({ start: match.index, text: t });
  }
  return tokens;
}

/** Awkward replacements for a number. */
const NUMBERS = [
  ...["0", "-1", "1.5", "1e308", "99999999999999999999", "9007199254740993", "1e-9"],
  // Sizes that fit in an integer but not on any device, or that overflow 32 bits when multiplied.
  ...["4294967295", "2147483648", "1000000000", "1e9", "65536", "1048576", "46341"],
];
/** How deep a "nest" mutation wraps a token, and how long a "chain" makes a sum. */
const DEPTHS = [3, 100, 300, 5000];
/** Names to put where a number (or another name) was. */
const NAMES = ["x", "heads", "d", "causal", "undefined_name", "wte", "model", "return", "_"];
/** Characters and fragments to insert at random places. */
const JUNK = [
  ...["é", "\u0000", "\u00a0", "\u2028", "🙂", "\ud800", "\t", "\r\n", "\r"],
  ...['"', "'", "`", "\\", "/*", "*/", "//", "#", ";", "@", "$"],
  ...["{", "}", "(", ")", "[", "]", ",", "=", "<=", "+", "-", "*", "/", ":"],
  ...["model", "block", "include", "repeat", "as", "output", "input", "dims", "return"],
  ...['include "nowhere.loom"', 'include "'],
];

/** One edit of a text, described by its kind and applied by `applyMutation`. */
export type Mutation =
  | { kind: "delete"; token: number }
  | { kind: "duplicate"; token: number }
  | { kind: "swap"; token: number; other: number }
  | { kind: "number"; token: number; replacement: string }
  | { kind: "rename"; token: number; replacement: string }
  | { kind: "insert"; at: number; junk: string }
  | { kind: "truncate"; at: number }
  /** Wraps a token in `depth` levels of parentheses, calls, negations or braces. */
  | { kind: "nest"; token: number; depth: number; wrap: Wrapper }
  /** Replaces a token by a sum of `depth` copies of it. */
  | { kind: "chain"; token: number; depth: number };

/** Mutations with indices as fractions of the text, so one arbitrary fits any text. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), token: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), token: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), token: fc.nat(), other: fc.nat() }),
  fc.record({
    kind: fc.constant("number" as const),
    token: fc.nat(),
    replacement: fc.constantFrom(...NUMBERS, ...NAMES),
  }),
  fc.record({
    kind: fc.constant("rename" as const),
    token: fc.nat(),
    replacement: fc.oneof(fc.constantFrom(...NAMES, ...NUMBERS), fc.string({ maxLength: 4 })),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    junk: fc.oneof(fc.constantFrom(...JUNK), fc.string({ unit: "binary", maxLength: 3 })),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("nest" as const),
    token: fc.nat(),
    depth: fc.constantFrom(...DEPTHS),
    wrap: fc.constantFrom<Wrapper>("paren", "call", "negate", "repeat"),
  }),
  fc.record({
    kind: fc.constant("chain" as const),
    token: fc.nat(),
    depth: fc.constantFrom(...DEPTHS),
  }),
);

type Wrapper = "paren" | "call" | "negate" | "repeat";
/** What each wrapper puts before and after what it nests. */
const WRAPPERS: Record<Wrapper, readonly [string, string]> = {
  paren: ["(", ")"],
  call: ["gelu(", ")"],
  negate: ["-", ""],
  repeat: ["repeat 1 {\n", "\n}"],
};

/** `text` nested `depth` times in one kind of wrapper. */
function nested(text: string, depth: number, wrap: Wrapper): string {
  const [open, close] = WRAPPERS[wrap];
  return open.repeat(depth) + text + close.repeat(depth);
}

/** One to three mutations, applied in order. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 3,
});

/** `text` with one mutation applied (indices taken modulo what the text has). */
export function applyMutation(text: string, m: Mutation): string {
  if (m.kind === "insert") {
    const at = m.at % (text.length + 1);
    return text.slice(0, at) + m.junk + text.slice(at);
  }
  if (m.kind === "truncate") return text.slice(0, m.at % (text.length + 1));
  const tokens = tokenize(text);
  if (tokens.length === 0) return text;
  const pick = (i: number) => tokens[i % tokens.length]!;
  const t = pick(m.token);
  const end = t.start + t.text.length;
  switch (m.kind) {
    case "delete":
      return text.slice(0, t.start) + text.slice(end);
    case "duplicate":
      return text.slice(0, end) + " " + t.text + text.slice(end);
    case "swap": {
      const u = pick(m.other);
      if (u.start === t.start) return text;
      const [a, b] = u.start < t.start ? [u, t] : [t, u];
      const aEnd = a.start + a.text.length;
      const bEnd = b.start + b.text.length;
      return (
        text.slice(0, a.start) + b.text + text.slice(aEnd, b.start) + a.text + text.slice(bEnd)
      );
    }
    case "number": {
      // Replace a number token (the nth one) when there is one; else any token.
      const numbers = tokens.filter((x) => /^\d/.test(x.text));
      const n = numbers.length ? numbers[m.token % numbers.length]! : t;
      return text.slice(0, n.start) + m.replacement + text.slice(n.start + n.text.length);
    }
    case "nest":
      return text.slice(0, t.start) + nested(t.text, m.depth, m.wrap) + text.slice(end);
    case "chain":
      return text.slice(0, t.start) + Array(m.depth).fill(t.text).join(" + ") + text.slice(end);
    case "rename": {
      const names = tokens.filter((x) => /^[A-Za-z_]/.test(x.text));
      const n = names.length ? names[m.token % names.length]! : t;
      return text.slice(0, n.start) + m.replacement + text.slice(n.start + n.text.length);
    }
  }
}

/** `text` with every mutation applied in order. */
export function applyMutations(text: string, ms: readonly Mutation[]): string {
  return ms.reduce(applyMutation, text);
}

/** Fragments of Loom, for token soup: enough structure to reach deep into the parser. */
const SOUP = [
  ...["model m {", "block b(x, n = 2) {", "}", "dims {", "input t: int[batch, seq <= 8]"],
  ...["input f: float[batch, seq, 8]", "input k: bool[batch, seq]", "output o =", "output o"],
  ...["repeat 2 {", "repeat 2 as r {", "return", "x =", "y =", "x", "y", "t", "f", "k", "o"],
  ...["embed(t, 16, 8) as w", "attention(", "layernorm(", "mlp(", "lm_head(", "b(", "rope(2)"],
  ...["cross_attention(", "relative_position_bias(2)", "moe(", "patch_embed(", "tied_to = w"],
  ...["heads = 2", "causal", "padding = k", "8", "0", "-1", "1.5", "2 * 4", "8 / 3", "(", ")"],
  ...[",", "=", "+", "-", "*", "/", "[", "]", "<=", ":", "as", "true", "false", '"s"', "d = 8"],
  ...["<", ">", ">=", "==", "!=", "truncate", "sum(", "max(", "slice(", "float(", "l2_normalize("],
  ...["seq", "keepdim = true", "t != 0", "x * float(k)"],
];

/** Source text made of Loom fragments in random order. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...SOUP), { maxLength: 40 })
  .chain((parts) =>
    fc
      .array(fc.constantFrom(" ", "\n"), { minLength: parts.length, maxLength: parts.length })
      .map((seps) => parts.map((p, i) => p + seps[i]).join("")),
  );

const LAYER_NAMES = [
  ...["embed", "learned_positions", "sinusoidal_positions", "patch_embed", "cls_token"],
  ...["layernorm", "rmsnorm", "attention", "cross_attention", "relative_position_bias", "mlp"],
  ...["swiglu", "geglu", "moe", "linear", "lm_head", "classifier", "pooler", "cls_pool"],
  ...["mean_pool", "gelu", "relu", "softmax", "rope", "sqrt", "blk", "nonexistent"],
  ...["l2_normalize", "sum", "mean", "max", "float", "slice"],
];
const ARG_NAMES = [
  ...["x", "heads", "kv_heads", "head_dim", "causal", "padding", "rope", "position_bias"],
  ...["scale", "bias", "hidden", "act", "out", "vocab", "width", "tied_to", "memory", "eps"],
  ...["experts", "top_k", "patch", "image", "ids", "max_len", "classes", "theta", "nope"],
];
const VALUE_NAMES = [
  "x",
  "y",
  "t",
  "f",
  "k",
  "img",
  "d",
  "n",
  "seq",
  "batch",
  "w",
  "gelu",
  "causal",
];

/** A random expression over Loom's layers, argument names and values: mostly ill-typed. */
const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...VALUE_NAMES, "0", "1", "2", "8", "-3", "0.5", "1e-5", '"s"', "true"),
    fc
      .tuple(
        fc.constantFrom(...LAYER_NAMES),
        fc.array(
          fc.tuple(fc.option(fc.constantFrom(...ARG_NAMES), { nil: undefined }), tie("expr")),
          { maxLength: 4 },
        ),
        fc.option(fc.constantFrom("w", "v"), { nil: undefined }),
      )
      .map(
        ([name, args, label]) =>
          `${name}(${args.map(([n, v]) => (n ? `${n} = ${v}` : v)).join(", ")})${label ? ` as ${label}` : ""}`,
      ),
    fc
      .tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/"), tie("expr"))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    tie("expr").map((e) => `-(${e})`),
  ),
})).expr;

const statement: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...VALUE_NAMES), expression).map(([n, e]) => `${n} = ${e}`),
  fc.tuple(fc.constantFrom("o", "p", "x"), expression).map(([n, e]) => `output ${n} = ${e}`),
  fc
    .tuple(fc.constantFrom("1", "2", "n", "0"), fc.array(expression, { maxLength: 2 }))
    .map(([count, body]) => `repeat ${count} { ${body.map((e) => `x = ${e}`).join("\n")} }`),
  expression.map((e) => `dims { n = ${e} }`),
  expression.map((e) => `return ${e}`),
);

/**
 * A model (and a block) whose statements are random expressions over real layer names: it
 * parses, and exercises elaboration and shape checking on mostly ill-typed input.
 */
export const randomModel: fc.Arbitrary<string> = fc
  .tuple(fc.array(statement, { maxLength: 6 }), fc.array(statement, { maxLength: 3 }))
  .map(([body, blockBody]) =>
    [
      `block blk(x, n = 2) {`,
      ...blockBody,
      `  return x`,
      `}`,
      `model m {`,
      `  dims { d = 8, n = 2 }`,
      `  input t: int[batch, seq <= 16]`,
      `  input f: float[batch, seq, d]`,
      `  input k: bool[batch, seq]`,
      `  input img: float[batch, 3, 8, 8]`,
      `  x = embed(t, 32, d) as w`,
      ...body.map((s) => `  ${s}`),
      `  output logits = lm_head(x, tied_to = w)`,
      `}`,
    ].join("\n"),
  );
