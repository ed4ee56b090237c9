import fc from "fast-check";

/**
 * A fast-check generator of syntactically valid Loom sources, for property tests of anything that
 * reads specs (the formatter, the parser, later passes that must not crash).
 *
 * Programs have includes, blocks with parameters and defaults, models with dims, inputs, outputs,
 * assignments of nested calls and binary operators (with redundant parentheses now and then),
 * repeats (with and without `as scope`), returns and tokenizer declarations. Between any two tokens the generator puts whitespace, blank lines, `//`
 * comments or block comments (some spanning lines), so comments turn up in every position the
 * grammar allows. Names are not checked: the sources parse, they need not elaborate.
 */

/** A program as its tokens; a source is the tokens with trivia between them. */
type Tokens = string[];

const NAMES = [
  "x",
  "h",
  "d",
  "heads",
  "ctx",
  "vocab",
  "layers",
  "attention",
  "layernorm",
  "mlp",
  "embed",
  "gelu_tanh",
  "causal",
  "lm_head",
  "tied_to",
  "eps",
  "hidden",
  "a_rather_long_layer_name_that_forces_wrapping",
  "another_quite_long_argument_name",
] as const;

const NUMBERS = ["0", "1", "2", "12", "768", "50257", "50_257", "1e-5", "0.5", "3.0E+2", "4"];
const STRINGS = ["blocks/common.loom", 'quote " inside', "tab\tand\\slash", "caf\u00e9", ""];

const name = fc.constantFrom(...NAMES);

const leaf: fc.Arbitrary<Tokens> = fc.oneof(
  { arbitrary: name.map((n) => [n]), weight: 5 },
  { arbitrary: fc.constantFrom(...NUMBERS).map((n) => [n]), weight: 3 },
  { arbitrary: fc.constantFrom(...STRINGS).map((s) => [JSON.stringify(s)]), weight: 1 },
  { arbitrary: fc.constantFrom("true", "false").map((b) => [b]), weight: 1 },
);

function commaSeparated(items: Tokens[]): Tokens {
  return items.flatMap((item, i) => (i === 0 ? item : [",", ...item]));
}

const { expression } = fc.letrec<{ expression: Tokens; argument: Tokens }>((tie) => ({
  expression: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .tuple(name, fc.array(tie("argument"), { maxLength: 5 }), fc.option(name, { freq: 4 }))
      .map(([callee, args, label]) => [
        callee,
        "(",
        ...commaSeparated(args),
        ")",
        ...(label === null ? [] : ["as", label]),
      ]),
    fc
      .tuple(tie("expression"), fc.constantFrom("+", "-", "*", "/"), tie("expression"))
      .map(([left, op, right]) => [...left, op, ...right]),
    tie("expression").map((operand) => ["-", ...operand]),
    tie("expression").map((inner) => ["(", ...inner, ")"]),
  ),
  argument: fc.oneof(
    { arbitrary: tie("expression"), weight: 3 },
    { arbitrary: fc.tuple(name, tie("expression")).map(([n, e]) => [n, "=", ...e]), weight: 1 },
  ),
}));

const dims: fc.Arbitrary<Tokens> = fc
  .array(fc.tuple(name, expression, fc.boolean()), { maxLength: 7 })
  .map((defs) => [
    "dims",
    "{",
    ...defs.flatMap(([n, e, comma], i) => [
      n,
      "=",
      ...e,
      ...(comma && i < defs.length - 1 ? [","] : []),
    ]),
    "}",
  ]);

const dimSpec: fc.Arbitrary<Tokens> = fc
  .tuple(expression, fc.option(expression, { freq: 3 }))
  .map(([value, bound]) => (bound === null ? value : [...value, "<=", ...bound]));

const input: fc.Arbitrary<Tokens> = fc
  .tuple(
    name,
    fc.constantFrom("int", "f32", "f16"),
    fc.array(dimSpec, { minLength: 1, maxLength: 4 }),
  )
  .map(([n, dtype, shape]) => ["input", n, ":", dtype, "[", ...commaSeparated(shape), "]"]);

const simpleStatement: fc.Arbitrary<Tokens> = fc.oneof(
  { arbitrary: fc.tuple(name, expression).map(([n, e]) => [n, "=", ...e]), weight: 6 },
  { arbitrary: dims, weight: 1 },
  { arbitrary: input, weight: 1 },
  {
    arbitrary: fc
      .tuple(name, fc.option(expression, { freq: 4 }))
      .map(([n, e]) => (e === null ? ["output", n] : ["output", n, "=", ...e])),
    weight: 1,
  },
  { arbitrary: expression.map((e) => ["return", ...e]), weight: 1 },
  {
    arbitrary: fc.constantFrom(...STRINGS).map((s) => ["tokenizer", JSON.stringify(s)]),
    weight: 1,
  },
);

const { statement } = fc.letrec<{ statement: Tokens }>((tie) => ({
  statement: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    simpleStatement,
    fc
      .tuple(expression, fc.option(name, { freq: 3 }), fc.array(tie("statement"), { maxLength: 4 }))
      .map(([count, scope, body]) => [
        "repeat",
        ...count,
        ...(scope === null ? [] : ["as", scope]),
        "{",
        ...body.flat(),
        "}",
      ]),
  ),
}));

const body = fc.array(statement, { maxLength: 6 }).map((s) => ["{", ...s.flat(), "}"]);

const param: fc.Arbitrary<Tokens> = fc
  .tuple(name, fc.option(expression, { freq: 3 }))
  .map(([n, e]) => (e === null ? [n] : [n, "=", ...e]));

const topItem: fc.Arbitrary<Tokens> = fc.oneof(
  { arbitrary: fc.constantFrom(...STRINGS).map((s) => ["include", JSON.stringify(s)]), weight: 1 },
  {
    arbitrary: fc
      .tuple(name, fc.array(param, { maxLength: 5 }), body)
      .map(([n, params, b]) => ["block", n, "(", ...commaSeparated(params), ")", ...b]),
    weight: 2,
  },
  { arbitrary: fc.tuple(name, body).map(([n, b]) => ["model", n, ...b]), weight: 3 },
);

/** Whitespace and comments to put between two tokens; "" means the tokens touch. */
const trivia: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(" "), weight: 20 },
  { arbitrary: fc.constant(""), weight: 4 },
  { arbitrary: fc.constant("\n  "), weight: 8 },
  { arbitrary: fc.constant("\n\n"), weight: 2 },
  { arbitrary: fc.constant("\n\n\n    "), weight: 1 },
  { arbitrary: fc.constant("\t "), weight: 1 },
  { arbitrary: fc.nat(99).map((n) => ` // note ${n}\n`), weight: 2 },
  { arbitrary: fc.nat(99).map((n) => `\n// own line ${n}\n`), weight: 2 },
  { arbitrary: fc.nat(99).map((n) => `\n\n// after a blank ${n}\n\n`), weight: 1 },
  { arbitrary: fc.nat(99).map((n) => ` /* block ${n} */ `), weight: 2 },
  { arbitrary: fc.nat(99).map((n) => `/*${n}*/`), weight: 1 },
  { arbitrary: fc.nat(99).map((n) => `\n/* own ${n} */\n`), weight: 1 },
  { arbitrary: fc.nat(99).map((n) => ` /* multi ${n}\n   line */\n`), weight: 1 },
  { arbitrary: fc.nat(99).map((n) => ` //trailing spaces ${n}   \n`), weight: 1 },
);

const WORD = /[A-Za-z0-9_"]/;

/** Joins tokens with trivia, keeping the tokens apart where touching would change the lexing. */
function render(tokens: Tokens, gaps: string[]): string {
  let out = gaps[0] ?? "";
  tokens.forEach((token, i) => {
    if (i > 0) {
      let gap = gaps[i % gaps.length] ?? " ";
      const previous = tokens[i - 1]!;
      if (gap === "" && WORD.test(previous[previous.length - 1]!) && WORD.test(token[0]!))
        gap = " ";
      if (previous === "/" && gap.startsWith("/")) gap = " " + gap;
      out += gap;
    }
    out += token;
  });
  return out + (gaps[(tokens.length + 1) % gaps.length] ?? "");
}

/** Random valid Loom sources (see the module comment). */
export const arbitrarySpecSource: fc.Arbitrary<string> = fc
  .tuple(fc.array(topItem, { maxLength: 4 }), fc.array(trivia, { minLength: 1, maxLength: 60 }))
  .map(([items, gaps]) => render(items.flat(), gaps));
