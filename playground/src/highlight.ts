/**
 * Syntax highlighting from Loom's own lexer (grammar/loom.ts), so the colours follow the
 * grammar: keywords, numbers, strings, comments, and layer calls (a name followed by `(`).
 */
import { RangeSetBuilder } from "@codemirror/state";
import { Decoration, ViewPlugin, type DecorationSet, type EditorView } from "@codemirror/view";
import type { IToken } from "chevrotain";
import { syntax as loom } from "../../src/api/browser.ts";

const mark = (name: string) => Decoration.mark({ class: `loom-${name}` });
const KEYWORD = mark("keyword");
const NUMBER = mark("number");
const STRING = mark("string");
const COMMENT = mark("comment");
const CALL = mark("call");

const KEYWORDS = new Set([
  loom.Model,
  loom.Block,
  loom.Include,
  loom.Dims,
  loom.Input,
  loom.Output,
  loom.Repeat,
  loom.Return,
  loom.Tokenizer,
  loom.As,
  loom.True,
  loom.False,
]);

function classOf(token: IToken, next: IToken | undefined): Decoration | undefined {
  const type = token.tokenType;
  if (KEYWORDS.has(type)) return KEYWORD;
  if (type === loom.NumberLiteral) return NUMBER;
  if (type === loom.StringLiteral) return STRING;
  if (type === loom.Identifier && next?.tokenType === loom.LParen) return CALL;
  return undefined;
}

function decorate(view: EditorView): DecorationSet {
  const lexed = loom.loomLexer.tokenize(view.state.doc.toString());
  const comments = (lexed.groups["comments"] ?? []).map((t) => ({ token: t, deco: COMMENT }));
  const tokens = lexed.tokens.map((t, i) => ({ token: t, deco: classOf(t, lexed.tokens[i + 1]) }));
  const builder = new RangeSetBuilder<Decoration>();
  for (const { token, deco } of [...tokens, ...comments].sort(
    (a, b) => a.token.startOffset - b.token.startOffset,
  ))
    if (deco) builder.add(token.startOffset, token.startOffset + token.image.length, deco);
  return builder.finish();
}

/** The CodeMirror extension that colours a Loom spec. */
export const loomHighlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(update: { docChanged: boolean; view: EditorView }) {
      if (update.docChanged) this.decorations = decorate(update.view);
    }
  },
  { decorations: (v) => v.decorations },
);
