import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Span } from "../src/contracts/source.ts";
import type * as A from "./ast.ts";
import { COMPARATORS } from "./tokens.ts";

type Children = Record<string, CstElement[] | undefined>;

/**
 * Turns a CST that parsed without errors into the AST; every node gets its source span.
 * One method per grammar rule, named after it.
 */
class AstBuilder {
  constructor(private readonly path: string) {}

  private nodeSpan(node: CstNode): Span {
    const loc = node.location!;
    return { file: this.path, start: loc.startOffset, end: (loc.endOffset ?? loc.startOffset) + 1 };
  }

  private tokenSpan(token: IToken): Span {
    return {
      file: this.path,
      start: token.startOffset,
      end: token.startOffset + token.image.length,
    };
  }

  private tokens(children: Children, name: string): IToken[] {
    return (children[name] ?? []) as IToken[];
  }

  private nodes(children: Children, name: string): CstNode[] {
    return (children[name] ?? []) as CstNode[];
  }

  private ident(token: IToken): A.Identifier {
    return { kind: "identifier", name: token.image, span: this.tokenSpan(token) };
  }

  file(node: CstNode): A.SpecFile {
    const items = this.nodes(node.children, "topItem").map((n) => this.topItem(n));
    return { kind: "file", items, comments: [], span: { file: this.path, start: 0, end: 0 } };
  }

  topItem(node: CstNode): A.TopItem {
    const c = node.children;
    const include = this.nodes(c, "includeDecl")[0];
    if (include) return this.includeDecl(include);
    const block = this.nodes(c, "blockDecl")[0];
    if (block) return this.blockDecl(block);
    return this.modelDecl(this.nodes(c, "modelDecl")[0]!);
  }

  includeDecl(node: CstNode): A.IncludeDecl {
    const token = this.tokens(node.children, "StringLiteral")[0]!;
    return { kind: "include", path: this.stringLiteral(token), span: this.nodeSpan(node) };
  }

  blockDecl(node: CstNode): A.BlockDecl {
    const c = node.children;
    return {
      kind: "block",
      name: this.ident(this.tokens(c, "Identifier")[0]!),
      params: this.nodes(c, "param").map((p) => this.param(p)),
      body: this.body(this.nodes(c, "body")[0]!),
      span: this.nodeSpan(node),
    };
  }

  param(node: CstNode): A.Param {
    const c = node.children;
    const value = this.nodes(c, "expression")[0];
    return {
      kind: "param",
      name: this.ident(this.tokens(c, "Identifier")[0]!),
      ...(value ? { default: this.expression(value) } : {}),
      span: this.nodeSpan(node),
    };
  }

  modelDecl(node: CstNode): A.ModelDecl {
    const c = node.children;
    return {
      kind: "model",
      name: this.ident(this.tokens(c, "Identifier")[0]!),
      body: this.body(this.nodes(c, "body")[0]!),
      span: this.nodeSpan(node),
    };
  }

  body(node: CstNode): A.Statement[] {
    return this.nodes(node.children, "statement").map((s) => this.statement(s));
  }

  statement(node: CstNode): A.Statement {
    const [inner] = Object.values(node.children as Children).flat() as CstNode[];
    switch (inner!.name) {
      case "dimsDecl":
        return this.dimsDecl(inner!);
      case "tokenizerDecl":
        return this.tokenizerDecl(inner!);
      case "inputDecl":
        return this.inputDecl(inner!);
      case "outputDecl":
        return this.outputDecl(inner!);
      case "repeatStmt":
        return this.repeatStmt(inner!);
      case "returnStmt":
        return this.returnStmt(inner!);
      default:
        return this.assignStmt(inner!);
    }
  }

  dimsDecl(node: CstNode): A.DimsDecl {
    const dims = this.nodes(node.children, "dimDef").map((d) => this.dimDef(d));
    return { kind: "dims", dims, span: this.nodeSpan(node) };
  }

  dimDef(node: CstNode): A.DimDef {
    const c = node.children;
    return {
      kind: "dim_def",
      name: this.ident(this.tokens(c, "Identifier")[0]!),
      value: this.expression(this.nodes(c, "expression")[0]!),
      span: this.nodeSpan(node),
    };
  }

  tokenizerDecl(node: CstNode): A.TokenizerDecl {
    const token = this.tokens(node.children, "StringLiteral")[0]!;
    return { kind: "tokenizer", name: this.stringLiteral(token), span: this.nodeSpan(node) };
  }

  inputDecl(node: CstNode): A.InputDecl {
    const c = node.children;
    const [name, dtype] = this.tokens(c, "Identifier");
    return {
      kind: "input",
      name: this.ident(name!),
      dtype: this.ident(dtype!),
      shape: this.nodes(c, "dimSpec").map((d) => this.dimSpec(d)),
      span: this.nodeSpan(node),
    };
  }

  dimSpec(node: CstNode): A.DimSpec {
    const [value, bound] = this.nodes(node.children, "additive").map((e) => this.additive(e));
    return {
      kind: "dim_spec",
      value: value!,
      ...(bound ? { bound } : {}),
      ...(this.tokens(node.children, "Truncate").length ? { truncate: true } : {}),
      span: this.nodeSpan(node),
    };
  }

  outputDecl(node: CstNode): A.OutputDecl {
    const c = node.children;
    const value = this.nodes(c, "expression")[0];
    return {
      kind: "output",
      name: this.ident(this.tokens(c, "Identifier")[0]!),
      ...(value ? { value: this.expression(value) } : {}),
      span: this.nodeSpan(node),
    };
  }

  repeatStmt(node: CstNode): A.Repeat {
    const c = node.children;
    const scope = this.tokens(c, "Identifier")[0];
    return {
      kind: "repeat",
      count: this.expression(this.nodes(c, "expression")[0]!),
      ...(scope ? { scope: this.ident(scope) } : {}),
      body: this.body(this.nodes(c, "body")[0]!),
      span: this.nodeSpan(node),
    };
  }

  returnStmt(node: CstNode): A.Return {
    const value = this.expression(this.nodes(node.children, "expression")[0]!);
    return { kind: "return", value, span: this.nodeSpan(node) };
  }

  assignStmt(node: CstNode): A.Assign {
    const c = node.children;
    return {
      kind: "assign",
      target: this.ident(this.tokens(c, "Identifier")[0]!),
      value: this.expression(this.nodes(c, "expression")[0]!),
      span: this.nodeSpan(node),
    };
  }

  expression(node: CstNode): A.Expression {
    const c = node.children;
    const [left, right] = this.nodes(c, "additive").map((n) => this.additive(n));
    const op = COMPARATORS.flatMap((t) => this.tokens(c, t.name))[0];
    if (!right || !op) return left!;
    return {
      kind: "binary",
      op: op.image as A.ComparisonOperator,
      left: left!,
      right,
      span: { file: this.path, start: left!.span.start, end: right.span.end },
    };
  }

  additive(node: CstNode): A.Expression {
    return this.binaryChain(node, "multiplicative", ["Plus", "Minus"]);
  }

  /** Folds `a op b op c` left to right; operator tokens and operands are ordered by offset. */
  private binaryChain(node: CstNode, operandRule: string, operatorTokens: string[]): A.Expression {
    const c = node.children;
    const operands = this.nodes(c, operandRule).map((n) =>
      operandRule === "multiplicative"
        ? this.binaryChain(n, "unary", ["Star", "Slash"])
        : this.unary(n),
    );
    const operators = operatorTokens
      .flatMap((t) => this.tokens(c, t))
      .sort((a, b) => a.startOffset - b.startOffset);
    let result = operands[0]!;
    operators.forEach((op, i) => {
      const right = operands[i + 1]!;
      result = {
        kind: "binary",
        op: op.image as A.BinaryOperator,
        left: result,
        right,
        span: { file: this.path, start: result.span.start, end: right.span.end },
      };
    });
    return result;
  }

  unary(node: CstNode): A.Expression {
    const c = node.children;
    const inner = this.nodes(c, "unary")[0];
    if (inner) return { kind: "negate", operand: this.unary(inner), span: this.nodeSpan(node) };
    return this.primary(this.nodes(c, "primary")[0]!);
  }

  primary(node: CstNode): A.Expression {
    const c = node.children;
    const span = this.nodeSpan(node);
    const number = this.tokens(c, "NumberLiteral")[0];
    if (number) {
      const raw = number.image;
      return { kind: "number", value: Number(raw.replaceAll("_", "")), raw, span };
    }
    const string = this.tokens(c, "StringLiteral")[0];
    if (string) return this.stringLiteral(string);
    if (this.tokens(c, "True").length) return { kind: "bool", value: true, span };
    if (this.tokens(c, "False").length) return { kind: "bool", value: false, span };
    const call = this.nodes(c, "nameOrCall")[0];
    if (call) return this.nameOrCall(call);
    return this.expression(this.nodes(c, "expression")[0]!);
  }

  nameOrCall(node: CstNode): A.NameRef | A.Call {
    const c = node.children;
    const [callee, label] = this.tokens(c, "Identifier");
    const span = this.nodeSpan(node);
    if (!this.tokens(c, "LParen").length) return { kind: "name", name: this.ident(callee!), span };
    return {
      kind: "call",
      callee: this.ident(callee!),
      args: this.nodes(c, "argument").map((a) => this.argument(a)),
      ...(label ? { label: this.ident(label) } : {}),
      span,
    };
  }

  argument(node: CstNode): A.Argument {
    const c = node.children;
    const name = this.tokens(c, "Identifier")[0];
    return {
      kind: "argument",
      ...(name ? { name: this.ident(name) } : {}),
      value: this.expression(this.nodes(c, "expression")[0]!),
      span: this.nodeSpan(node),
    };
  }

  private stringLiteral(token: IToken): A.StringLiteral {
    const value = JSON.parse(token.image) as string;
    return { kind: "string", value, span: this.tokenSpan(token) };
  }
}

/** Builds the AST of a whole file from its CST (which must have parsed without errors). */
export function buildAst(cst: CstNode, file: string): A.SpecFile {
  return new AstBuilder(file).file(cst);
}
