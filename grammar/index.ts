import type { IToken } from "chevrotain";
import type { Diagnostic } from "../src/compiler/diagnostics/diagnostic.ts";
import type { Span } from "../src/compiler/source.ts";
import type { Comment, SpecFile } from "./ast.ts";
import { buildAst } from "./build-ast.ts";
import { loomParser } from "./parser.ts";
import { loomLexer } from "./tokens.ts";

export interface ParseResult {
  /** Present only when the file had no syntax errors. */
  ast?: SpecFile;
  /** Every lexical and syntax error in the file, not only the first. */
  diagnostics: Diagnostic[];
}

/** Lexes and parses one spec file into its AST, collecting every syntax error. */
export function parseSpec(text: string, file: string): ParseResult {
  // A byte-order mark is not part of the spec; lexing a space in its place keeps every offset.
  const lexed = loomLexer.tokenize(text.startsWith("\uFEFF") ? ` ${text.slice(1)}` : text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => ({
    code: "E0101",
    severity: "error",
    message: `unexpected character '${text.slice(e.offset, e.offset + e.length).slice(0, 1)}'`,
    span: { file, start: e.offset, end: e.offset + 1 },
    label: "no token starts with this character",
    notes: [],
    hint: unexpectedCharacterHint(text, e.offset),
  }));

  loomParser.input = lexed.tokens;
  const cst = loomParser.file();
  for (const error of loomParser.errors) {
    diagnostics.push({
      code: "E0102",
      severity: "error",
      message: error.message,
      span: tokenSpan(error.token, text, file),
      label: "unexpected here",
      notes: [],
    });
  }

  const comments: Comment[] = ((lexed.groups["comments"] ?? []) as IToken[]).map((t) => ({
    kind: "comment",
    text: t.image,
    block: t.image.startsWith("/*"),
    span: { file, start: t.startOffset, end: t.startOffset + t.image.length },
  }));

  if (diagnostics.length > 0) return { diagnostics };
  const ast = buildAst(cst, file);
  ast.comments = comments;
  ast.span = { file, start: 0, end: text.length };
  return { ast, diagnostics };
}

function tokenSpan(token: IToken, text: string, file: string): Span {
  if (token.tokenType.name === "EOF" || Number.isNaN(token.startOffset)) {
    const end = text.trimEnd().length;
    return { file, start: Math.max(0, end - 1), end: Math.max(1, end) };
  }
  return { file, start: token.startOffset, end: token.startOffset + token.image.length };
}

function unexpectedCharacterHint(text: string, offset: number): string {
  const ch = text[offset];
  if (ch === '"')
    return 'strings end on the same line and allow only JSON escapes (\\n, \\", \\\\, \\uXXXX)';
  if (ch === "#") return "comments start with // or /* … */";
  if (ch === ";") return "statements need no ';' — put each on its own line";
  return "remove it, or put it inside a comment or a string";
}
