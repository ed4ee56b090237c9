import type { CstNode, IRecognitionException, IToken } from "chevrotain";
import type { Diagnostic } from "../src/contracts/diagnostics/diagnostic.ts";
import { SourceFile, type Span } from "../src/contracts/source.ts";
import type { Comment, SpecFile } from "./ast.ts";
import { buildAst } from "./build-ast.ts";
import { isChainedComparison } from "./comparisons.ts";
import { badStrings, invalidTokens, unexpectedCharacters } from "./lexical-errors.ts";
import { nestingTooDeep } from "./nesting.ts";
import { loomParser, TooManySyntaxErrors } from "./parser.ts";
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
  const lexical = [
    ...unexpectedCharacters(lexed.errors, text, file),
    ...invalidTokens((lexed.groups["invalid"] ?? []) as IToken[], file),
    ...badStrings(lexed.tokens, file),
  ];

  // Nesting is bounded before parsing: the parser and every later stage recurse once per level.
  const tooDeep = nestingTooDeep(lexed.tokens, file);
  if (tooDeep)
    return { diagnostics: firstPerLine([...lexical, tooDeep], new SourceFile(file, text)) };
  loomParser.input = lexed.tokens;
  const cst = parseCollectingErrors();
  // Past an unclosed `/*` the whole file is comment, so syntax errors there are only echoes of it.
  const unclosed = ((lexed.groups["invalid"] ?? []) as IToken[]).find(
    (t) => t.tokenType.name === "UnterminatedComment",
  );
  const syntax = loomParser.errors
    .map((error) => syntaxError(error, text, file, lexed.tokens))
    .filter((d) => unclosed === undefined || d.span.start < unclosed.startOffset);
  const diagnostics = firstPerLine([...lexical, ...syntax], new SourceFile(file, text));

  if (diagnostics.length > 0 || cst === undefined) return { diagnostics };
  const comments: Comment[] = ((lexed.groups["comments"] ?? []) as IToken[]).map((t) => ({
    kind: "comment",
    text: t.image,
    block: t.image.startsWith("/*"),
    span: { file, start: t.startOffset, end: t.startOffset + t.image.length },
  }));
  const ast = buildAst(cst, file);
  ast.comments = comments;
  ast.span = { file, start: 0, end: text.length };
  return { ast, diagnostics };
}

/** Runs the parser on its input; a parse stopped for too many errors keeps the errors it has. */
function parseCollectingErrors(): CstNode | undefined {
  try {
    return loomParser.file();
  } catch (error) {
    if (error instanceof TooManySyntaxErrors) return undefined;
    throw error;
  }
}

/**
 * Where a syntax error is shown: at the offending token, or, when the expected token is missing
 * at the end of a line (or of the file), just after the last good token.
 */
function syntaxError(
  error: IRecognitionException,
  text: string,
  file: string,
  tokens: readonly IToken[],
): Diagnostic {
  const token = error.token;
  const previous = (error as { previousToken?: IToken }).previousToken;
  const atEnd = token.tokenType.name === "EOF" || Number.isNaN(token.startOffset);
  const previousEnd =
    previous && !Number.isNaN(previous.startOffset)
      ? previous.startOffset + previous.image.length
      : undefined;
  const onLaterLine =
    previousEnd !== undefined &&
    !atEnd &&
    text.slice(previousEnd, token.startOffset).includes("\n");
  if (atEnd || onLaterLine) {
    const anchor = atEnd
      ? lastTokenSpan(text, file)
      : { file, start: previous!.startOffset, end: previousEnd! };
    return {
      code: "E0102",
      severity: "error",
      message: error.message,
      span: anchor,
      label: atEnd ? "the file ends after this" : "expected after this",
      notes: [],
    };
  }
  const span = { file, start: token.startOffset, end: token.startOffset + token.image.length };
  if (isChainedComparison(tokens, token)) {
    return {
      code: "E0105",
      severity: "error",
      message: "comparisons do not chain",
      span,
      label: "a second comparison",
      notes: [],
      hint: "make one mask per comparison and multiply them as floats: `float(0 < t) * float(t < 5)`",
    };
  }
  return {
    code: "E0102",
    severity: "error",
    message: error.message,
    span,
    label: "unexpected here",
    notes: [],
  };
}

function lastTokenSpan(text: string, file: string): Span {
  const end = text.trimEnd().length;
  return { file, start: Math.max(0, end - 1), end: Math.max(1, end) };
}

/**
 * Keeps the first error of each line. After a mistake, the parser re-synchronises on the tokens
 * that follow; errors it reports on the same line are echoes of the first, not new mistakes.
 */
function firstPerLine(diagnostics: Diagnostic[], source: SourceFile): Diagnostic[] {
  const seen = new Set<number>();
  return [...diagnostics]
    .sort((a, b) => a.span.start - b.span.start)
    .filter((d) => {
      const line = source.position(d.span.start).line;
      if (seen.has(line)) return false;
      seen.add(line);
      return true;
    });
}

/** One token of a spec, for editor queries on text that may not parse. */
export interface LexedToken {
  /** The token type's name: "Identifier", "LParen", "Equals", a keyword such as "Model", … */
  type: string;
  image: string;
  start: number;
}

/** The tokens of a text, comments and whitespace left out; never fails on bad input. */
export function lexTokens(text: string): LexedToken[] {
  return loomLexer
    .tokenize(text)
    .tokens.map((t) => ({ type: t.tokenType.name, image: t.image, start: t.startOffset }));
}
