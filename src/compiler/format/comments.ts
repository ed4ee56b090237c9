import { doc, util, type Doc } from "prettier";
import type { Node, SpecFile } from "../../../grammar/ast.ts";
import {
  blankLineAfter,
  blankLineBefore,
  endsLine,
  findOpenBrace,
  hasBlankLine,
  onlyTriviaOrParens,
  restOfLineIsTrivia,
  sameLine,
  skipTrivia,
  startsLine,
} from "./trivia.ts";
import { innerSpan } from "./paren-spans.ts";
import {
  attachedComments,
  headerEnd,
  isBodyContainer,
  keepsBlankLines,
  nearestLineStart,
  startsOutputLine,
  type AttachedComment,
} from "./tree.ts";

const { breakParent, hardline, join, lineSuffix, literalline } = doc.builders;

/**
 * Where comments go and how they print. Prettier finds each comment's enclosing, preceding and
 * following node; `placeComment` decides which node keeps it, so that reformatting puts it back
 * in the same place:
 * - a `//` comment is kept only by a node that begins a line of output (a statement, a list
 *   element, a top-level item), so it never ends up in front of code on the same line;
 * - a comment on the line of a body's `{` stays there ("brace" comments);
 * - a comment in an empty body, dims or argument list dangles inside it.
 * Block comments inside expressions print inline, next to the node that keeps them.
 */

type Target =
  | { kind: "leading"; node: Node }
  | { kind: "trailing"; node: Node }
  | { kind: "dangling"; node: Node; marker?: string };

/** Prettier's handleComments hook: places every comment itself (always returns true). */
export function placeComment(comment: AttachedComment, text: string, ast: SpecFile): boolean {
  const target = chooseTarget(comment, text, ast);
  if (target.kind === "leading") util.addLeadingComment(target.node, comment);
  else if (target.kind === "trailing") util.addTrailingComment(target.node, comment);
  else util.addDanglingComment(target.node, comment, target.marker);
  return true;
}

function chooseTarget(comment: AttachedComment, text: string, ast: SpecFile): Target {
  const enclosing = comment.enclosingNode;
  const preceding = comment.precedingNode;
  const following = comment.followingNode;
  const { start, end } = comment.span;

  // Inside an expression's parentheses but outside the expression itself: the expression keeps
  // it (and prints it inside the parentheses, if it keeps them).
  if (enclosing) {
    const inner = innerSpan(enclosing);
    if (start < inner.start) return retarget("leading", enclosing);
    if (end > inner.end) return retarget("trailing", enclosing);
  }

  if (isBodyContainer(enclosing)) {
    const brace = findOpenBrace(text, headerEnd(enclosing));
    const first = enclosing.body[0];
    if (start > brace && (!first || end <= first.span.start)) {
      if (sameLine(text, brace, start) && restOfLineIsTrivia(text, end)) {
        return { kind: "dangling", node: enclosing, marker: "brace" };
      }
      return first ? { kind: "leading", node: first } : { kind: "dangling", node: enclosing };
    }
    if (start < brace && !comment.block && skipTrivia(text, end) >= brace) {
      return { kind: "dangling", node: enclosing, marker: "brace" };
    }
  }

  // Between top-level items (always a blank line apart), comments that hug the item above and
  // stand a blank line away from the one below stay with the item above.
  if (!enclosing && preceding && following && comment.placement === "ownLine") {
    if (
      !hasBlankLine(text, preceding.span.end, start) &&
      hasBlankLine(text, end, following.span.start)
    ) {
      return { kind: "trailing", node: preceding };
    }
  }

  const target = defaultTarget();
  if (target.kind === "dangling" && !holdsDangling(target.node)) {
    return retarget("trailing", nearestLineStart(ast, target.node) ?? target.node);
  }
  return target.kind === "dangling" ? target : retarget(target.kind, target.node);

  /** The target, unless a `//` comment would then print in front of code on its line. */
  function retarget(kind: "leading" | "trailing", node: Node): Target {
    if (comment.block || startsOutputLine(node)) return { kind, node };
    const keeper = nearestLineStart(ast, enclosing ?? node) ?? node;
    return isBodyContainer(keeper)
      ? { kind: "dangling", node: keeper, marker: "brace" }
      : { kind: "trailing", node: keeper };
  }

  /** Prettier's own choice, except that a comment after a list's last element stays with it. */
  function defaultTarget(): Target {
    const closesBefore =
      preceding !== undefined &&
      following !== undefined &&
      !onlyTriviaOrParens(text, end, following.span.start);
    const owner = enclosing ?? ast;
    switch (comment.placement) {
      case "ownLine":
        if (following && !closesBefore) return { kind: "leading", node: following };
        if (preceding) return { kind: "trailing", node: preceding };
        return { kind: "dangling", node: owner };
      case "endOfLine":
        if (preceding) return { kind: "trailing", node: preceding };
        if (following) return { kind: "leading", node: following };
        return { kind: "dangling", node: owner };
      default:
        if (preceding && following) {
          return closesBefore
            ? { kind: "trailing", node: preceding }
            : { kind: "leading", node: following };
        }
        if (preceding) return { kind: "trailing", node: preceding };
        if (following) return { kind: "leading", node: following };
        return { kind: "dangling", node: owner };
    }
  }
}

/** Nodes whose printer prints dangling comments: a file, a body, an empty list. */
function holdsDangling(node: Node): boolean {
  switch (node.kind) {
    case "file":
      return node.items.length === 0;
    case "model":
    case "block":
    case "repeat":
      return true;
    case "dims":
      return node.dims.length === 0;
    case "call":
      return node.args.length === 0;
    default:
      return false;
  }
}

/** A comment's text as a doc; marks it printed. Multi-line block comments keep their lines. */
export function printCommentText(comment: AttachedComment): Doc {
  comment.printed = true;
  if (!comment.block) return comment.text.trimEnd();
  const lines = comment.text.split("\n");
  return lines.length === 1 ? comment.text : join(literalline, lines);
}

/** A node's doc with its leading and trailing comments around it. */
export function withComments(node: Node, printed: Doc, text: string): Doc {
  const comments = attachedComments(node);
  if (comments.length === 0) return printed;
  const leading = comments.filter((c) => c.leading);
  const trailing = comments.filter((c) => c.trailing);
  if (leading.length === 0 && trailing.length === 0) return printed;
  const ownLine = startsOutputLine(node);
  return [
    leading.map((c) => printLeading(c, ownLine, text)),
    printed,
    printTrailing(trailing, ownLine, keepsBlankLines(node), text),
  ];
}

function printLeading(comment: AttachedComment, ownLine: boolean, text: string): Doc {
  const printed = printCommentText(comment);
  const { end } = comment.span;
  if (!ownLine) {
    // Only line-start nodes keep `//` comments (see placeComment); the suffix is a safe fallback.
    return comment.block ? [printed, " "] : [lineSuffix([" ", printed]), breakParent];
  }
  if (comment.block && !endsLine(text, end)) return [printed, " "];
  return [printed, hardline, blankLineAfter(text, end) ? hardline : ""];
}

function printTrailing(
  comments: AttachedComment[],
  ownLine: boolean,
  keepBlank: boolean,
  text: string,
): Doc {
  const parts: Doc[] = [];
  let suffixed = false;
  let afterLineComment = false;
  for (const comment of comments) {
    const printed = printCommentText(comment);
    const { start } = comment.span;
    if (ownLine && startsLine(text, start)) {
      const blank = keepBlank && blankLineBefore(text, start) ? hardline : "";
      parts.push(lineSuffix([hardline, blank, printed]), breakParent);
      suffixed = true;
    } else if (ownLine && suffixed) {
      parts.push(lineSuffix([afterLineComment ? hardline : " ", printed]));
    } else if (!comment.block) {
      parts.push(lineSuffix([" ", printed]), breakParent);
      suffixed = true;
    } else {
      parts.push(" ", printed);
    }
    afterLineComment = !comment.block;
  }
  return parts;
}

/**
 * Dangling comments on their own lines (inside an empty body, or a file of only comments),
 * keeping at most one blank line between them.
 */
export function printOwnLineComments(comments: AttachedComment[], text: string): Doc {
  return comments.map((comment, i) => [
    i > 0 ? hardline : "",
    i > 0 && blankLineBefore(text, comment.span.start) ? hardline : "",
    printCommentText(comment),
  ]);
}

/** Dangling comments inside an empty `(…)` or `{…}`: inline, or one per line after a `//`. */
export function printEmptyListComments(
  comments: AttachedComment[],
  open: string,
  close: string,
  padding: string,
): Doc {
  if (comments.every((c) => c.block && !c.text.includes("\n"))) {
    return [open, padding, join(" ", comments.map(printCommentText)), padding, close];
  }
  return [
    open,
    doc.builders.indent([hardline, join(hardline, comments.map(printCommentText))]),
    hardline,
    close,
  ];
}
