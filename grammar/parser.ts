import {
  CstParser,
  type IParserErrorMessageProvider,
  type TokenType,
  type IToken,
} from "chevrotain";
import * as T from "./tokens.ts";

function describe(token: IToken): string {
  return token.tokenType.name === "EOF" ? "the end of the file" : `'${token.image}'`;
}

function names(types: TokenType[]): string {
  const labels = [...new Set(types.map((t) => t.LABEL ?? t.name))];
  if (labels.length <= 1) return labels.join("");
  return `${labels.slice(0, -1).join(", ")} or ${labels[labels.length - 1]}`;
}

/**
 * How many syntax errors the parser collects before it stops. Error recovery costs about a
 * millisecond an error, and a file with thousands of them (text that is not Loom) would take
 * seconds; the first errors are the ones that matter.
 */
export const MAX_SYNTAX_ERRORS = 100;

/** Thrown out of a parse that has collected MAX_SYNTAX_ERRORS errors. */
export class TooManySyntaxErrors extends Error {
  constructor() {
    super(`parsing stopped after ${MAX_SYNTAX_ERRORS} syntax errors`);
    this.name = "TooManySyntaxErrors";
  }
}

/** Stops the parse under way once it has collected MAX_SYNTAX_ERRORS errors. */
function countError(): void {
  if (loomParser.errors.length >= MAX_SYNTAX_ERRORS) throw new TooManySyntaxErrors();
}

/**
 * Error messages in Loom's voice: "expected ')' but found 'x'". Chevrotain asks for one message
 * per error, before it records the error, so this is also where a parse stops.
 */
const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => {
    countError();
    return expected.name === "EOF"
      ? `expected a declaration ('model', 'block' or 'include') but found ${describe(actual)}`
      : `expected ${names([expected])} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage: ({ firstRedundant }) => {
    countError();
    return `expected a declaration ('model', 'block' or 'include') but found ${describe(firstRedundant)}`;
  },
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    countError();
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0]!));
    const what = RULE_NOUNS[ruleName] ?? names(firsts);
    return `expected ${what} but found ${describe(actual[0]!)}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) => {
    countError();
    const what = RULE_NOUNS[ruleName] ?? names(expectedIterationPaths.map((p) => p[0]!));
    return `expected ${what} but found ${describe(actual[0]!)}`;
  },
};

const RULE_NOUNS: Record<string, string> = {
  topItem: "'model', 'block' or 'include'",
  statement:
    "a statement (a name to assign, 'dims', 'tokenizer', 'input', 'output', 'repeat' or 'return')",
  primary: "an expression (a number, a name, a call or '(')",
  unary: "an expression (a number, a name, a call or '(')",
  expression: "an expression (a number, a name, a call or '(')",
  literalOrName: "an expression",
};

/** The Loom grammar. It only parses: no actions; grammar/build-ast.ts turns the CST into an AST. */
export class LoomParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      errorMessageProvider: messages,
      maxLookahead: 3,
      nodeLocationTracking: "full",
    });
    this.performSelfAnalysis();
  }

  /** file := topItem* */
  public file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.topItem));
  });

  public topItem = this.RULE("topItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.includeDecl) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
    ]);
  });

  /** include "path.loom" */
  public includeDecl = this.RULE("includeDecl", () => {
    this.CONSUME(T.Include);
    this.CONSUME(T.StringLiteral);
  });

  /** block name(param, param = default) { statements } */
  public blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(T.Block);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.body);
  });

  public param = this.RULE("param", () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  /** model name { statements } */
  public modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.body);
  });

  public body = this.RULE("body", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  public statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.dimsDecl) },
      { ALT: () => this.SUBRULE(this.tokenizerDecl) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
      { ALT: () => this.SUBRULE(this.repeatStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
    ]);
  });

  /** dims { name = expr, name = expr } (commas optional) */
  public dimsDecl = this.RULE("dimsDecl", () => {
    this.CONSUME(T.Dims);
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.dimDef);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  public dimDef = this.RULE("dimDef", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /** tokenizer "gpt2" */
  public tokenizerDecl = this.RULE("tokenizerDecl", () => {
    this.CONSUME(T.Tokenizer);
    this.CONSUME(T.StringLiteral);
  });

  /** input name: dtype[dim, dim <= bound] */
  public inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.dimSpec) });
    this.CONSUME(T.RBracket);
  });

  /**
   * additive | additive <= additive | additive <= additive truncate (no comparison inside, so
   * `<=` is the bound; `truncate` cuts longer inputs to it)
   */
  public dimSpec = this.RULE("dimSpec", () => {
    this.SUBRULE(this.additive);
    this.OPTION(() => {
      this.CONSUME(T.LessEqual);
      this.SUBRULE2(this.additive);
      this.OPTION2(() => this.CONSUME(T.Truncate));
    });
  });

  /** output name = expr | output name */
  public outputDecl = this.RULE("outputDecl", () => {
    this.CONSUME(T.Output);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  /** repeat count { statements } | repeat count as scope { statements } */
  public repeatStmt = this.RULE("repeatStmt", () => {
    this.CONSUME(T.Repeat);
    this.SUBRULE(this.expression);
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.CONSUME(T.Identifier);
    });
    this.SUBRULE(this.body);
  });

  public returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expression);
  });

  public assignStmt = this.RULE("assignStmt", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /** additive | additive comparator additive (comparisons do not chain) */
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.additive);
    this.OPTION(() => {
      this.OR(T.COMPARATORS.map((token) => ({ ALT: () => this.CONSUME(token) })));
      this.SUBRULE2(this.additive);
    });
  });

  public additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  public multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }]);
      this.SUBRULE2(this.unary);
    });
  });

  public unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  public primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.nameOrCall) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** name | name(args) | name(args) as label */
  public nameOrCall = this.RULE("nameOrCall", () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument) });
      this.CONSUME(T.RParen);
      this.OPTION2(() => {
        this.CONSUME(T.As);
        this.CONSUME2(T.Identifier);
      });
    });
  });

  /** name = expr | expr */
  public argument = this.RULE("argument", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expression);
  });
}

/** One shared parser instance (chevrotain parsers are reusable: set `input`, call a rule). */
export const loomParser = new LoomParser();
