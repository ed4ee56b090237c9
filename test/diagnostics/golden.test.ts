/**
 * Golden diagnostics: each bad spec in cases/ is checked and its rendering (pretty, no colour,
 * then the summary line) is compared with the `.expected` file beside it.
 *
 * UPDATE_GOLDEN=1 (`npm run test:update`) rewrites the `.expected` files instead of comparing;
 * read every rewritten file before committing it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import {
  expectedCodes,
  listCases,
  renderCase,
  ROOT,
  runCase,
  type GoldenCase,
} from "./golden-cases.ts";

const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const cases = listCases();

function readExpected(c: GoldenCase): string | undefined {
  const path = join(ROOT, c.expected);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

describe("golden diagnostics", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it("renders as expected", () => {
        if (c.missingEntry) {
          // Only a case about an unreadable entry may lack its .loom; any other is stale.
          expect(readExpected(c), `${c.expected} has no ${c.entry}: delete it`).toMatch(
            /^error\[E0103\]/,
          );
        }
        const actual = renderCase(runCase(c));
        if (UPDATE) {
          writeFileSync(join(ROOT, c.expected), actual);
          return;
        }
        const expected = readExpected(c);
        expect(expected, `${c.expected} is missing; run \`npm run test:update\``).toBeDefined();
        expect(actual).toBe(expected);
      });

      it("reports the codes its first line names", () => {
        const codes = expectedCodes(c);
        expect(codes.length, `${c.entry} should start with "// expect: CODE — …"`).toBeGreaterThan(
          0,
        );
        const found = new Set(runCase(c).diagnostics.map((d) => d.code));
        for (const code of codes) {
          expect(Object.keys(CODES)).toContain(code);
          expect([...found], `${c.name} should report ${code}`).toContain(code);
        }
      });

      it("puts every span on real text inside its file", () => {
        const { diagnostics, sources } = runCase(c);
        expect(diagnostics.length).toBeGreaterThan(0);
        for (const d of diagnostics) {
          expect(Object.keys(CODES)).toContain(d.code);
          const file = sources.get(d.span.file);
          if (d.code === "E0103") {
            // The file could not be read, so there is no text to point into.
            expect(file).toBeUndefined();
            continue;
          }
          const spans = [d.span, ...(d.related ?? []).map((r) => r.span)];
          for (const span of spans) {
            const text = sources.get(span.file)?.text;
            expect(text, `${d.code} points into unknown file ${span.file}`).toBeDefined();
            expect(span.start).toBeGreaterThanOrEqual(0);
            expect(span.end).toBeGreaterThan(span.start);
            expect(span.end).toBeLessThanOrEqual(text!.length);
            const quoted = text!.slice(span.start, span.end);
            expect(quoted.trim(), `${d.code} span should not start or end in whitespace`).toBe(
              quoted,
            );
          }
        }
      });
    });
  }
});
