import type { Span } from "../src/contracts/source.ts";

/** The Loom AST: what the source says, with a source span on every node. */

export interface Identifier {
  kind: "identifier";
  name: string;
  span: Span;
}

export interface NumberLiteral {
  kind: "number";
  value: number;
  /** The literal as written (kept so the formatter prints `1e-5`, not `0.00001`). */
  raw: string;
  span: Span;
}

export interface StringLiteral {
  kind: "string";
  value: string;
  span: Span;
}

export interface BoolLiteral {
  kind: "bool";
  value: boolean;
  span: Span;
}

export interface NameRef {
  kind: "name";
  name: Identifier;
  span: Span;
}

export interface Argument {
  kind: "argument";
  /** Present for `name = value`; absent for a positional argument. */
  name?: Identifier;
  value: Expression;
  span: Span;
}

export interface Call {
  kind: "call";
  callee: Identifier;
  args: Argument[];
  /** `layer(...) as label`: names the layer so others can tie to it. */
  label?: Identifier;
  span: Span;
}

export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type BinaryOperator = "+" | "-" | "*" | "/" | ComparisonOperator;

export interface Binary {
  kind: "binary";
  op: BinaryOperator;
  left: Expression;
  right: Expression;
  span: Span;
}

export interface Negate {
  kind: "negate";
  operand: Expression;
  span: Span;
}

export type Expression =
  NumberLiteral | StringLiteral | BoolLiteral | NameRef | Call | Binary | Negate;

export interface DimDef {
  kind: "dim_def";
  name: Identifier;
  value: Expression;
  span: Span;
}

export interface DimsDecl {
  kind: "dims";
  dims: DimDef[];
  span: Span;
}

/** `tokenizer "gpt2"`: which tokenizer turns text into this model's ids. */
export interface TokenizerDecl {
  kind: "tokenizer";
  name: StringLiteral;
  span: Span;
}

/** One axis of an input: a dim expression, or a dynamic symbol with an upper bound. */
export interface DimSpec {
  kind: "dim_spec";
  value: Expression;
  bound?: Expression;
  /** `seq <= 128 truncate`: longer inputs are cut to the bound instead of refused. */
  truncate?: boolean;
  span: Span;
}

export interface InputDecl {
  kind: "input";
  name: Identifier;
  dtype: Identifier;
  shape: DimSpec[];
  span: Span;
}

export interface OutputDecl {
  kind: "output";
  name: Identifier;
  /** Absent for `output x`, which outputs the value already named x. */
  value?: Expression;
  span: Span;
}

export interface Assign {
  kind: "assign";
  target: Identifier;
  value: Expression;
  span: Span;
}

export interface Repeat {
  kind: "repeat";
  count: Expression;
  /** `repeat n as encoder`: the scope name of the repeated layers' weights. */
  scope?: Identifier;
  body: Statement[];
  span: Span;
}

export interface Return {
  kind: "return";
  value: Expression;
  span: Span;
}

export type Statement =
  DimsDecl | TokenizerDecl | InputDecl | OutputDecl | Assign | Repeat | Return;

export interface Param {
  kind: "param";
  name: Identifier;
  default?: Expression;
  span: Span;
}

export interface BlockDecl {
  kind: "block";
  name: Identifier;
  params: Param[];
  body: Statement[];
  span: Span;
}

export interface ModelDecl {
  kind: "model";
  name: Identifier;
  body: Statement[];
  span: Span;
}

export interface IncludeDecl {
  kind: "include";
  path: StringLiteral;
  span: Span;
}

export type TopItem = IncludeDecl | BlockDecl | ModelDecl;

export interface Comment {
  kind: "comment";
  /** The comment as written, including its `//` or `/* … *\/` delimiters. */
  text: string;
  block: boolean;
  span: Span;
}

export interface SpecFile {
  kind: "file";
  items: TopItem[];
  comments: Comment[];
  span: Span;
}

export type Node =
  | SpecFile
  | TopItem
  | Statement
  | Expression
  | Param
  | DimDef
  | DimSpec
  | Argument
  | Identifier
  | Comment;
