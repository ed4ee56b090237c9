import type { LexedToken } from "../../../grammar/index.ts";

/** A name an expression at the cursor can read, found in the text before it. */
export interface ScopeName {
  name: string;
  /** `value`: an input or a binding; `param`: a block's; `dim`: in `dims`; `symbol`: a dynamic dim. */
  kind: "value" | "param" | "dim" | "symbol";
  /** What defines it, as written: `d = 128`, `input tokens`, `seq <= ctx`. */
  source: string;
}

/**
 * The names in scope at the end of `tokens` (the text before the cursor), read from the tokens
 * alone so that it works while the text does not parse: the enclosing model's or block's dims,
 * inputs, block parameters and the values bound by the statements before the cursor's own (so
 * `y = f(` does not offer `y` before it exists, but `x = x + ` offers the `x` bound above).
 */
export function scopeNames(tokens: readonly LexedToken[]): ScopeName[] {
  const names = new Map<string, ScopeName>();
  let pending: ScopeName | undefined;
  let depth = 0; // braces, counted from the top level
  let parens = 0;
  let brackets = 0;
  let section: "dims" | "input" | undefined;
  const add = (entry: ScopeName) => {
    if (!names.has(entry.name)) names.set(entry.name, entry);
  };
  const commit = () => {
    if (pending) add(pending);
    pending = undefined;
  };
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    const before = tokens[i - 1];
    switch (token.type) {
      case "Model":
      case "Block":
        if (depth === 0) {
          names.clear();
          pending = undefined;
          if (token.type === "Block") blockParams(tokens, i).forEach(add);
        }
        return;
      case "LBrace":
        depth++;
        if (before?.type === "Dims") section = "dims";
        return;
      case "RBrace":
        depth = Math.max(0, depth - 1);
        commit();
        if (section === "dims") section = undefined;
        if (depth === 0) names.clear();
        return;
      case "LParen":
        parens++;
        return;
      case "RParen":
        parens = Math.max(0, parens - 1);
        return;
      case "LBracket":
        brackets++;
        return;
      case "RBracket":
        brackets = Math.max(0, brackets - 1);
        if (brackets === 0 && section === "input") section = undefined;
        return;
      case "Input":
      case "Output":
      case "Repeat":
      case "Return":
      case "Dims":
      case "Tokenizer":
        commit();
        if (token.type === "Input" && next?.type === "Identifier") {
          add({ name: next.image, kind: "value", source: `input ${next.image}` });
          section = "input";
        }
        return;
      case "Identifier":
        if (depth === 0 || parens > 0) return;
        if (section === "dims" && next?.type === "Equals" && before?.type !== "Equals") {
          add({ name: token.image, kind: "dim", source: definition(tokens, i) });
        } else if (section === "input" && brackets > 0 && before?.type !== "LessEqual") {
          const bound = next?.type === "LessEqual" ? tokens[i + 2]?.image : undefined;
          const source = bound ? `${token.image} <= ${bound}` : token.image;
          add({ name: token.image, kind: "symbol", source });
        } else if (section === undefined && brackets === 0 && next?.type === "Equals") {
          commit();
          pending = { name: token.image, kind: "value", source: `${token.image} = …` };
        }
        return;
    }
  });
  return [...names.values()];
}

/** The parameters of the block whose `block` keyword is `tokens[at]`: `block name(x, eps = 1) {`. */
function blockParams(tokens: readonly LexedToken[], at: number): ScopeName[] {
  const params: ScopeName[] = [];
  if (tokens[at + 2]?.type !== "LParen") return params;
  let nested = 0;
  for (let i = at + 3; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === "RParen" && nested === 0) break;
    if (token.type === "LParen") nested++;
    if (token.type === "RParen") nested--;
    const before = tokens[i - 1]!.type;
    if (token.type === "Identifier" && nested === 0 && (before === "LParen" || before === "Comma"))
      params.push({ name: token.image, kind: "param", source: `parameter ${token.image}` });
  }
  return params;
}

/** A dim's declaration as written, up to the comma or brace that ends it: `head_dim = d / heads`. */
function definition(tokens: readonly LexedToken[], at: number): string {
  const words: string[] = [];
  for (let i = at; i < tokens.length; i++) {
    const type = tokens[i]!.type;
    if (type === "Comma" || type === "RBrace") break;
    words.push(tokens[i]!.image);
  }
  return words.join(" ");
}
