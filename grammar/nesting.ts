import type { IToken } from "chevrotain";
import type { Diagnostic } from "../src/contracts/diagnostics/diagnostic.ts";

/**
 * How deeply a spec may nest. The parser, the elaborator and the formatter recurse once per
 * level, so a bound keeps every stage far from the stack's limit and fast. Chevrotain's error
 * recovery needs the most stack: with Node's default stack it overflowed near 90 levels, and
 * near 60 with 40% of it. No model needs more than a handful of levels.
 */
export const MAX_NESTING = 32;

const OPENS = new Set(["LParen", "LBrace", "LBracket"]);
const CLOSES = new Set(["RParen", "RBrace", "RBracket"]);
const OPERATORS = new Set([
  ...["Plus", "Minus", "Star", "Slash"],
  ...["EqualEqual", "NotEqual", "Less", "GreaterEqual", "Greater"],
]);
/** Tokens that end one expression and start another at the same level. */
const BOUNDARIES = new Set([
  ...["Equals", "Comma", "LessEqual", "Colon", "As"],
  ...["Model", "Block", "Include", "Dims", "Input", "Output", "Repeat", "Return", "Tokenizer"],
]);

/**
 * The first place where a spec nests deeper than MAX_NESTING, as an E0104 diagnostic, or
 * undefined. Read from the tokens before parsing, the depth bounds the parser's recursion and
 * the depth of every expression tree: each open bracket or brace is a level, and so is each
 * operator since the expression began at its level (a chain `a + b + … + z` parses as a tree as
 * deep as it is long; a negation nests its operand).
 */
export function nestingTooDeep(tokens: readonly IToken[], file: string): Diagnostic | undefined {
  /** Operators counted at each enclosing level when its bracket opened. */
  const outer: number[] = [];
  let enclosing = 0;
  let operators = 0;
  for (const token of tokens) {
    const kind = token.tokenType.name;
    if (OPENS.has(kind)) {
      outer.push(operators);
      enclosing += operators + 1;
      operators = 0;
    } else if (CLOSES.has(kind)) {
      const restored = outer.pop();
      if (restored !== undefined) {
        enclosing -= restored + 1;
        operators = restored;
      }
    } else if (OPERATORS.has(kind)) operators++;
    else if (BOUNDARIES.has(kind)) operators = 0;
    if (enclosing + operators > MAX_NESTING) {
      return {
        code: "E0104",
        severity: "error",
        message: `the spec nests deeper than ${MAX_NESTING} levels`,
        span: { file, start: token.startOffset, end: token.startOffset + token.image.length },
        label: `level ${MAX_NESTING + 1} starts here`,
        notes: [
          `brackets, braces and the operators of one expression may nest at most ${MAX_NESTING} deep`,
        ],
        hint: "name intermediate values (`h = a + b`) instead of nesting or chaining this deeply",
      };
    }
  }
  return undefined;
}
