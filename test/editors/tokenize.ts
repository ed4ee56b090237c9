import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

const require = createRequire(import.meta.url);

/** One token of a line: its text and its scopes, outermost first. */
export interface ScopedToken {
  text: string;
  scopes: string[];
}

/** Loads editors/vscode's TextMate grammar with the Oniguruma engine VS Code itself uses. */
export async function loadLoomGrammar() {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.loom"
        ? textmate.parseRawGrammar(
            readFileSync("editors/vscode/syntaxes/loom.tmLanguage.json", "utf8"),
            "loom.tmLanguage.json",
          )
        : null,
  });
  const grammar = await registry.loadGrammar("source.loom");
  if (!grammar) throw new Error("the Loom grammar did not load");

  /** Every line's tokens, the rule stack carried from line to line as an editor does. */
  return (text: string): ScopedToken[][] => {
    let stack = textmate.INITIAL;
    return text.split("\n").map((line) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      return result.tokens.map((t) => ({
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      }));
    });
  };
}
