import type { Parser, Plugin, Printer } from "prettier";
import type { Node, SpecFile } from "../../../grammar/ast.ts";
import { parseSpec } from "../../../grammar/index.ts";
import { SourceFile } from "../../contracts/source.ts";
import { placeComment, printCommentText } from "./comments.ts";
import { widenParenthesizedSpans } from "./paren-spans.ts";
import { printLoom } from "./print.ts";
import { childKeys, type AttachedComment } from "./tree.ts";

/** Parses a spec for Prettier; a syntax error becomes a thrown SyntaxError with line:column. */
const loomParser: Parser<Node> = {
  astFormat: "loom-ast",
  parse(text, options) {
    const file = options.filepath ?? "<input>";
    const { ast, diagnostics } = parseSpec(text, file);
    if (!ast) {
      const first = diagnostics[0];
      const at = new SourceFile(file, text).position(first?.span.start ?? 0);
      const error = new SyntaxError(
        `${first?.message ?? "syntax error"} (${at.line}:${at.column})`,
      ) as SyntaxError & { loc: unknown };
      error.loc = { start: at };
      throw error;
    }
    for (const comment of ast.comments as AttachedComment[]) comment.value = comment.text;
    widenParenthesizedSpans(ast, text);
    return ast;
  },
  locStart: (node) => node.span.start,
  locEnd: (node) => node.span.end,
};

const place = (comment: AttachedComment, text: string, _options: unknown, ast: Node) =>
  placeComment(comment, text, ast as SpecFile);

/** Prints the Loom AST; places and prints comments itself (see comments.ts). */
const loomPrinter: Printer<Node> = {
  print: printLoom,
  getVisitorKeys: (node) => [...childKeys(node)],
  canAttachComment: (node) => node.kind !== "identifier" && node.kind !== "comment",
  isBlockComment: (node) => node.kind === "comment" && node.block,
  printComment: (path) => printCommentText(path.node as AttachedComment),
  willPrintOwnComments: () => true,
  handleComments: { ownLine: place, endOfLine: place, remaining: place },
};

/** The Prettier plugin for `.loom` spec files: `prettier --plugin <this file>` (see README.md). */
export const loomPlugin: Plugin<Node> = {
  languages: [{ name: "Loom", parsers: ["loom"], extensions: [".loom"] }],
  parsers: { loom: loomParser },
  printers: { "loom-ast": loomPrinter },
  defaultOptions: { printWidth: 100, tabWidth: 2, useTabs: false },
};

export default loomPlugin;
