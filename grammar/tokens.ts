import { createToken, Lexer, type TokenType } from "chevrotain";

/** Every token of the Loom spec language; the lexer is built from this list, in this order. */
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(`${word}\\b`),
    longer_alt: Identifier,
    label: `'${word}'`,
  });
}

export const Model = keyword("model");
export const Block = keyword("block");
export const Include = keyword("include");
export const Dims = keyword("dims");
export const Input = keyword("input");
export const Output = keyword("output");
export const Repeat = keyword("repeat");
export const Return = keyword("return");
export const Tokenizer = keyword("tokenizer");
export const As = keyword("as");
export const Truncate = keyword("truncate");
export const True = keyword("true");
export const False = keyword("false");

export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+(?:_\d+)*)(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  label: "a number",
});
/**
 * Strings are lexed leniently (any escape, closing quote optional) so that a bad one is one
 * token: grammar/lexical-errors.ts then reports what is wrong with it, once.
 */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\r\n]|\\.)*"?/,
  label: "a string",
});

export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: "comments",
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});
/** An unclosed `/*`: swallows the rest of the file, reported once as an error. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "invalid",
  line_breaks: true,
});
/** A `#` comment from another language: skipped to the end of the line, reported once. */
export const HashComment = createToken({
  name: "HashComment",
  pattern: /#[^\r\n]*/,
  group: "invalid",
});
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

function punct(name: string, pattern: RegExp, text: string): TokenType {
  return createToken({ name, pattern, label: `'${text}'` });
}

export const LessEqual = punct("LessEqual", /<=/, "<=");
export const Less = punct("Less", /</, "<");
export const GreaterEqual = punct("GreaterEqual", />=/, ">=");
export const Greater = punct("Greater", />/, ">");
export const EqualEqual = punct("EqualEqual", /==/, "==");
export const NotEqual = punct("NotEqual", /!=/, "!=");
export const Equals = punct("Equals", /=/, "=");
export const Colon = punct("Colon", /:/, ":");
export const Comma = punct("Comma", /,/, ",");
export const LParen = punct("LParen", /\(/, "(");
export const RParen = punct("RParen", /\)/, ")");
export const LBrace = punct("LBrace", /\{/, "{");
export const RBrace = punct("RBrace", /\}/, "}");
export const LBracket = punct("LBracket", /\[/, "[");
export const RBracket = punct("RBracket", /\]/, "]");
export const Plus = punct("Plus", /\+/, "+");
export const Minus = punct("Minus", /-/, "-");
export const Star = punct("Star", /\*/, "*");
export const Slash = punct("Slash", /\//, "/");

/** The comparison operators, in the order the parser tries them. */
export const COMPARATORS: TokenType[] = [
  EqualEqual,
  NotEqual,
  LessEqual,
  Less,
  GreaterEqual,
  Greater,
];

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  HashComment,
  Model,
  Block,
  Include,
  Dims,
  Input,
  Output,
  Repeat,
  Return,
  Tokenizer,
  As,
  Truncate,
  True,
  False,
  Identifier,
  NumberLiteral,
  StringLiteral,
  LessEqual,
  Less,
  GreaterEqual,
  Greater,
  EqualEqual,
  NotEqual,
  Equals,
  Colon,
  Comma,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Plus,
  Minus,
  Star,
  Slash,
];

/** The Loom lexer; comments land in the "comments" group, whitespace is skipped. */
export const loomLexer = new Lexer(allTokens, {
  positionTracking: "full",
  ensureOptimizations: false,
});
