import {
  Alternation,
  Alternative,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Terminal,
  type IProduction,
  type TokenType,
} from "chevrotain";
import { loomParser } from "./parser.ts";

/** How a token is written in the EBNF: its label for punctuation and keywords, its name otherwise. */
function terminal(token: TokenType): string {
  const label = token.LABEL;
  return label && label.startsWith("'") ? label.replaceAll("'", '"') : token.name;
}

function sequence(items: IProduction[]): string {
  return items.map((p) => production(p, items.length > 1)).join(" ");
}

function production(p: IProduction, nested: boolean): string {
  if (p instanceof Terminal) return terminal(p.terminalType);
  if (p instanceof NonTerminal) return p.nonTerminalName;
  if (p instanceof Option) return `[ ${sequence(p.definition)} ]`;
  if (p instanceof Repetition) return `{ ${sequence(p.definition)} }`;
  if (p instanceof RepetitionMandatory)
    return `${group(p.definition)} { ${sequence(p.definition)} }`;
  if (p instanceof RepetitionWithSeparator) {
    const item = group(p.definition);
    return `[ ${item} { ${terminal(p.separator)} ${item} } ]`;
  }
  if (p instanceof RepetitionMandatoryWithSeparator) {
    const item = group(p.definition);
    return `${item} { ${terminal(p.separator)} ${item} }`;
  }
  if (p instanceof Alternation) {
    const alternatives = p.definition.map((alt) => sequence((alt as Alternative).definition));
    const body = alternatives.join(" | ");
    return nested ? `( ${body} )` : body;
  }
  if (p instanceof Alternative) return sequence(p.definition);
  return "?";
}

function group(items: IProduction[]): string {
  return items.length === 1 ? production(items[0]!, true) : `( ${sequence(items)} )`;
}

/** The Loom grammar as EBNF, printed from the parser's own productions so it cannot drift. */
export function grammarEbnf(): string {
  const rules = Object.values(loomParser.getGAstProductions());
  const width = Math.max(...rules.map((r) => r.name.length));
  return rules
    .map((rule) => {
      const body =
        rule.definition.length === 1
          ? production(rule.definition[0]!, false)
          : sequence(rule.definition);
      return `${rule.name.padEnd(width)} = ${body} ;`;
    })
    .join("\n");
}
