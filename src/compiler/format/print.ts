import { doc, type AstPath, type Doc, type ParserOptions } from "prettier";
import type {
  BinaryOperator,
  DimsDecl,
  Expression,
  Node,
  SpecFile,
  Statement,
} from "../../../grammar/ast.ts";
import {
  printCommentText,
  printEmptyListComments,
  printOwnLineComments,
  withComments,
} from "./comments.ts";
import { blankLineAfter } from "./trivia.ts";
import { danglingComments, type AttachedComment, type BodyContainer } from "./tree.ts";

const { group, hardline, ifBreak, indent, join, line, softline } = doc.builders;

/** Prettier's callback that prints the child at a property path of the current node. */
type PrintChild = (
  selector?: string | number | Array<string | number> | AstPath<Node>,
  args?: PrintArgs,
) => Doc;

/** The Loom printer: one node to a Prettier doc, with the comments attached to it. */
export function printLoom(
  path: AstPath<Node>,
  options: ParserOptions<Node>,
  print: PrintChild,
  args?: unknown,
): Doc {
  const node = path.node;
  const text = options.originalText;
  const printed = withComments(node, printNode(node, text, print), text);
  return (args as PrintArgs | undefined)?.parens === true ? ["(", printed, ")"] : printed;
}

/** What a parent asks of a child's print: `parens` wraps the child and its comments. */
interface PrintArgs {
  parens?: boolean;
}

function printNode(node: Node, text: string, print: PrintChild): Doc {
  switch (node.kind) {
    case "file":
      return printFile(node, text, print);
    case "include":
      return ["include ", print("path")];
    case "block":
      return [
        "block ",
        node.name.name,
        printList(
          "(",
          ")",
          node.params.map((_, i) => print(["params", i])),
        ),
        " ",
        printBody(node, text, print),
      ];
    case "model":
      return ["model ", node.name.name, " ", printBody(node, text, print)];
    case "param":
      return [node.name.name, node.default ? [" = ", print("default")] : ""];
    case "dims":
      return printDims(node, print);
    case "tokenizer":
      return ["tokenizer ", print("name")];
    case "dim_def":
      return [node.name.name, " = ", print("value")];
    case "input":
      return [
        "input ",
        node.name.name,
        ": ",
        node.dtype.name,
        printList(
          "[",
          "]",
          node.shape.map((_, i) => print(["shape", i])),
        ),
      ];
    case "dim_spec":
      return [
        print("value"),
        node.bound ? [" <= ", print("bound"), node.truncate ? " truncate" : ""] : "",
      ];
    case "output":
      return ["output ", node.name.name, node.value ? [" = ", print("value")] : ""];
    case "assign":
      return [node.target.name, " = ", print("value")];
    case "repeat":
      return [
        "repeat ",
        print("count", { parens: node.scope !== undefined && endsInUnlabelledCall(node.count) }),
        node.scope ? [" as ", node.scope.name] : "",
        " ",
        printBody(node, text, print),
      ];
    case "return":
      return ["return ", print("value")];
    case "argument":
      return [node.name ? [node.name.name, " = "] : "", print("value")];
    case "call": {
      const label = node.label ? [" as ", node.label.name] : "";
      if (node.args.length > 0) {
        const args = node.args.map((_, i) => print(["args", i]));
        return [node.callee.name, printList("(", ")", args), label];
      }
      const comments = danglingComments(node);
      const empty = comments.length > 0 ? printEmptyListComments(comments, "(", ")", "") : "()";
      return [node.callee.name, empty, label];
    }
    case "binary":
      return [
        print("left", { parens: needsParens(node.left, node.op, "left") }),
        " ",
        node.op,
        " ",
        print("right", { parens: needsParens(node.right, node.op, "right") }),
      ];
    case "negate": {
      const operand = node.operand.kind;
      return ["-", print("operand", { parens: operand === "binary" || operand === "negate" })];
    }
    case "name":
      return node.name.name;
    case "number":
      return node.raw;
    case "string":
      return JSON.stringify(node.value);
    case "bool":
      return node.value ? "true" : "false";
    case "identifier":
      return node.name;
    case "comment":
      return printCommentText(node);
  }
}

/** Top-level items, one blank line between them; a file of only comments keeps them. */
function printFile(node: SpecFile, text: string, print: PrintChild): Doc {
  if (node.items.length === 0) {
    const comments = danglingComments(node);
    return comments.length > 0 ? [printOwnLineComments(comments, text), hardline] : "";
  }
  const items = node.items.map((_, i) => print(["items", i]));
  return [join([hardline, hardline], items), hardline];
}

/** `open a, b close` on one line when it fits, else one element per line, indented. */
function printList(open: string, close: string, items: Doc[]): Doc {
  if (items.length === 0) return [open, close];
  return group([open, indent([softline, join([",", line], items)]), softline, close]);
}

/** `dims { a = 1, b = 2 }` when it fits, else one dim per line without commas. */
function printDims(node: DimsDecl, print: PrintChild): Doc {
  if (node.dims.length === 0) {
    const comments = danglingComments(node);
    return comments.length > 0
      ? ["dims ", printEmptyListComments(comments, "{", "}", " ")]
      : "dims {}";
  }
  const dims = node.dims.map((_, i) => print(["dims", i]));
  return group(["dims {", indent([line, join([ifBreak("", ","), line], dims)]), line, "}"]);
}

/**
 * A `{ … }` body: comments on the brace's line stay there, then one statement per line, keeping
 * one blank line where the source had one or more.
 */
function printBody(node: BodyContainer, text: string, print: PrintChild): Doc {
  const dangling = danglingComments(node);
  const onBraceLine: AttachedComment[] = [];
  const ownLine: AttachedComment[] = [];
  for (const comment of dangling) {
    const previous = onBraceLine[onBraceLine.length - 1];
    const braceLineClosed = ownLine.length > 0 || (previous !== undefined && !previous.block);
    if (comment.marker === "brace" && !braceLineClosed) onBraceLine.push(comment);
    else ownLine.push(comment);
  }
  const head: Doc = ["{", onBraceLine.map((c) => [" ", printCommentText(c)])];

  const content: Doc[] = [];
  if (ownLine.length > 0) content.push(printOwnLineComments(ownLine, text));
  const statements = printStatements(node.body, text, print);
  if (statements.length > 0) content.push(statements);

  if (content.length === 0) return onBraceLine.length > 0 ? [head, hardline, "}"] : "{}";
  return [head, indent([hardline, join(hardline, content)]), hardline, "}"];
}

function printStatements(body: Statement[], text: string, print: PrintChild): Doc[] {
  return body.map((statement, i) => {
    const printed = print(["body", i]);
    if (i === body.length - 1) return printed;
    return [printed, hardline, blankLineAfter(text, statement.span.end) ? hardline : ""];
  });
}

/**
 * Whether an expression ends in a call without `as label`: then in `repeat count as scope` the
 * `as` would label that call, so the count needs parentheses.
 */
function endsInUnlabelledCall(expression: Expression): boolean {
  switch (expression.kind) {
    case "call":
      return expression.label === undefined;
    case "binary":
      return endsInUnlabelledCall(expression.right);
    case "negate":
      return endsInUnlabelledCall(expression.operand);
    default:
      return false;
  }
}

const PRECEDENCE: Record<BinaryOperator, number> = {
  ...{ "==": 0, "!=": 0, "<": 0, "<=": 0, ">": 0, ">=": 0 },
  ...{ "+": 1, "-": 1, "*": 2, "/": 2 },
};

/**
 * Whether an operand needs parentheses to keep the tree: a looser operator on either side, or an
 * equally tight one on the right (operators associate to the left, so `a - (b - c)` keeps them).
 * A division inside a product (or a product inside a division) keeps them too, for the reader:
 * `(image / patch) * (image / patch)`, not `image / patch * (image / patch)`.
 */
function needsParens(operand: Expression, op: BinaryOperator, side: "left" | "right"): boolean {
  if (operand.kind !== "binary") return false;
  const inner = PRECEDENCE[operand.op];
  const outer = PRECEDENCE[op];
  if (inner === 2 && outer === 2 && operand.op !== op) return true;
  // Comparisons do not chain: `(a < b) == c` keeps its parentheses.
  if (inner === 0 && outer === 0) return true;
  return side === "left" ? inner < outer : inner <= outer;
}
