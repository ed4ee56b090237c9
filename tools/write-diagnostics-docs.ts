/** Writes docs/diagnostics.md from the diagnostic code registry. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { diagnosticsMarkdown } from "../src/contracts/diagnostics/write-docs.ts";

const target = fileURLToPath(new URL("../docs/diagnostics.md", import.meta.url));
writeFileSync(target, diagnosticsMarkdown());
console.log(`wrote ${target}`);
