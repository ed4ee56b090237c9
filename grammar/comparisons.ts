import type { IToken } from "chevrotain";
import { COMPARATORS } from "./tokens.ts";

const COMPARATOR_NAMES = new Set(COMPARATORS.map((t) => t.name));
const OPENS = new Set(["LParen", "LBrace", "LBracket"]);
const CLOSES = new Set(["RParen", "RBrace", "RBracket"]);
/** Tokens before which a new expression begins. */
const STARTS = new Set(["Equals", "Comma", "Colon", "Output", "Return", "Repeat"]);

/**
 * Whether `token`, where the parser found an error, is a comparison operator that follows
 * another comparison in the same expression (`0 < t < 5`): comparisons do not chain.
 */
export function isChainedComparison(tokens: readonly IToken[], token: IToken): boolean {
  if (!COMPARATOR_NAMES.has(token.tokenType.name)) return false;
  let depth = 0;
  for (let i = tokens.indexOf(token) - 1; i >= 0; i--) {
    const kind = tokens[i]!.tokenType.name;
    if (CLOSES.has(kind)) depth++;
    else if (OPENS.has(kind)) {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && COMPARATOR_NAMES.has(kind)) return true;
    else if (depth === 0 && STARTS.has(kind)) return false;
  }
  return false;
}
