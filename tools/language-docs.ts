import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSyntaxDiagramsCode } from "chevrotain";
import { grammarEbnf } from "../grammar/ebnf.ts";
import { loomParser } from "../grammar/parser.ts";
import { layerReferenceMarkdown } from "../src/compiler/layers/reference.ts";

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
function fill(doc: string, name: string, body: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start)
    throw new Error(`docs/language.md lacks the ${open} … ${close} markers`);
  return `${doc.slice(0, start + open.length)}\n${body}\n${doc.slice(end)}`;
}

/** docs/language.md with its generated sections refreshed, and the railroad-diagram page. */
export function languageDocs(current: string): { markdown: string; html: string } {
  let markdown = fill(current, "grammar", ["```ebnf", grammarEbnf(), "```"].join("\n"));
  markdown = fill(markdown, "layers", layerReferenceMarkdown());
  const html = inlineAssets(createSyntaxDiagramsCode(loomParser.getSerializedGastProductions()));
  return { markdown, html };
}

/**
 * Chevrotain's diagram page loads its scripts and styles from a CDN; inline the copies that
 * ship in the chevrotain package so docs/grammar.html opens offline.
 */
function inlineAssets(html: string): string {
  let root = fileURLToPath(import.meta.resolve("chevrotain"));
  while (basename(root) !== "chevrotain" && dirname(root) !== root) root = dirname(root);
  root = join(root, "diagrams");
  const asset = (url: string) =>
    readFileSync(join(root, url.replace(/^.*\/diagrams\//, "")), "utf8");
  return html
    .replace(
      /<link rel='stylesheet' href='([^']+)'>/g,
      (_, url: string) => `<style>\n${asset(url)}\n</style>`,
    )
    .replace(
      /<script src='([^']+)'><\/script>/g,
      (_, url: string) => `<script>\n${asset(url)}\n</script>`,
    );
}
