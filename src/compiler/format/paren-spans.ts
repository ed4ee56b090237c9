import type { Node, SpecFile } from "../../../grammar/ast.ts";
import type { Span } from "../../contracts/source.ts";
import { children } from "./tree.ts";
import { skipTrivia } from "./trivia.ts";

/**
 * Widens each expression's span over the grouping parentheses around it, so that `(a + b)` spans
 * its parentheses and a comment written inside them is found inside the expression. (The parser
 * gives a parenthesized expression the span of its contents, and a binary expression the span
 * from its left operand to its right one, parentheses or not.) Mutates the spans in place and
 * remembers each widened expression's span without its own parentheses (see `innerSpan`).
 */
export function widenParenthesizedSpans(ast: SpecFile, text: string): void {
  const commentStarts = new Map(ast.comments.map((c) => [c.span.end, c.span.start]));

  /** The offset just after the token that ends before `pos`. */
  function previousTokenEnd(pos: number): number {
    let at = pos;
    for (;;) {
      while (at > 0 && /\s/.test(text[at - 1]!)) at--;
      const commentStart = commentStarts.get(at);
      if (commentStart === undefined) return at;
      at = commentStart;
    }
  }

  /** Whether the `(` at `open` groups an expression, rather than opening a call's arguments. */
  function isGroupingParen(open: number): boolean {
    const end = previousTokenEnd(open);
    let start = end;
    while (start > 0 && /[A-Za-z0-9_]/.test(text[start - 1]!)) start--;
    const word = text.slice(start, end);
    return word === "" || /^[0-9]/.test(word) || KEYWORDS.has(word);
  }

  function visit(node: Node): void {
    for (const child of children(node)) visit(child);
    if (!EXPRESSION_KINDS.has(node.kind)) return;
    if (node.kind === "binary") {
      node.span = { ...node.span, start: node.left.span.start, end: node.right.span.end };
    }
    const inner = node.span;
    for (;;) {
      const before = previousTokenEnd(node.span.start) - 1;
      const after = skipTrivia(text, node.span.end);
      if (text[before] !== "(" || text[after] !== ")" || !isGroupingParen(before)) break;
      node.span = { ...node.span, start: before, end: after + 1 };
    }
    if (node.span !== inner) innerSpans.set(node, inner);
  }

  visit(ast);
}

const innerSpans = new WeakMap<Node, Span>();

/** A node's span inside its own grouping parentheses (its span, when it has none). */
export function innerSpan(node: Node): Span {
  return innerSpans.get(node) ?? node.span;
}

const EXPRESSION_KINDS = new Set<Node["kind"]>([
  "number",
  "string",
  "bool",
  "name",
  "call",
  "binary",
  "negate",
]);

/** Keywords that may stand right before a grouping `(` (`repeat (n) {`, `return (x)`). */
const KEYWORDS = new Set([
  "model",
  "block",
  "include",
  "dims",
  "input",
  "output",
  "repeat",
  "return",
  "as",
  "true",
  "false",
]);
