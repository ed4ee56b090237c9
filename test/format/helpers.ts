import { expect } from "vitest";
import { formatSpec } from "../../src/compiler/format/format.ts";

/** Formats a spec that must parse; fails the test on syntax errors. */
export async function format(text: string): Promise<string> {
  const result = await formatSpec(text, "test.loom");
  if (!result.ok) throw new Error(`syntax error: ${result.diagnostics[0]?.message}\n${text}`);
  return result.formatted;
}

/** Expects `input` to format to `expected`, and `expected` to be a fixed point. */
export async function expectFormat(input: string, expected: string): Promise<void> {
  expect(await format(input)).toBe(expected);
  expect(await format(expected)).toBe(expected);
}

/** A raw template literal without its first newline and its lines' common indentation. */
export function src(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw(strings, ...values).replace(/^\n/, "");
  const lines = text.split("\n");
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length),
  );
  return lines
    .map((l) => l.slice(indent))
    .join("\n")
    .replace(/[ \t]+$/, "");
}
