// Regenerates the generated parts of docs/language.md (grammar, layers) and docs/grammar.html.
import { readFileSync, writeFileSync } from "node:fs";
import { languageDocs } from "./language-docs.ts";

const current = readFileSync("docs/language.md", "utf8");
const { markdown, html } = languageDocs(current);
writeFileSync("docs/language.md", markdown);
writeFileSync("docs/grammar.html", html);
console.log("wrote docs/language.md and docs/grammar.html");
