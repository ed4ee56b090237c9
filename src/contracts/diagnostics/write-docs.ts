import { CODES } from "./codes.ts";

const HEADER = ["Code", "Severity", "Title", "Explanation"];

/** docs/diagnostics.md: every code in the registry, as a Markdown table with a short intro. */
export function diagnosticsMarkdown(): string {
  const rows = Object.entries(CODES).map(([code, info]) => [
    code,
    code.startsWith("W") ? "warning" : "error",
    info.title,
    info.explanation,
  ]);
  return [
    "# Diagnostic codes",
    "",
    "<!-- Generated from src/contracts/diagnostics/codes.ts by `npx tsx tools/write-diagnostics-docs.ts`; do not edit. -->",
    "",
    "Every diagnostic Loom reports carries a code. Codes are stable: once published, a code keeps its",
    "meaning, so scripts and CI filters may match on it. Codes starting with `E` are errors and codes",
    "starting with `W` are warnings.",
    "",
    "Exit status: `0` when a spec is clean or has warnings only, `1` when there is at least one error,",
    "`2` for a usage or I/O problem (bad command-line arguments, an unreadable or unwritable file).",
    "",
    ...table([HEADER, ...rows]),
    "",
  ].join("\n");
}

/** A Markdown table with padded columns, laid out as Prettier would. */
function table(rows: string[][]): string[] {
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, "\\|")));
  const widths = HEADER.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)];
}
