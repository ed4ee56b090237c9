/**
 * Property: on mutated specs (generated valid models and the files in specs/, with tokens
 * deleted, duplicated, swapped or replaced, junk inserted, or the text cut short) checkSpec never
 * throws, every diagnostic has a registered code and a span inside a file it read, and every
 * renderer accepts the result.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec, type CheckResult } from "../../src/compiler/compile.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import {
  renderGithub,
  renderJson,
  renderPretty,
  summaryLine,
} from "../../src/contracts/diagnostics/render.ts";
import type { ReadFile } from "../../src/compiler/elaborate/load.ts";
import { resolveInclude } from "../../src/compiler/elaborate/load.ts";
import type { Span } from "../../src/contracts/source.ts";
import { applyMutations, mutations, randomModel, tokenSoup } from "./mutate.ts";
import { validSpec } from "./valid-spec.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every .loom file under specs/, as a repository-relative path. */
function specFiles(dir = "specs"): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? specFiles(`${dir}/${e.name}`)
      : e.name.endsWith(".loom")
        ? [`${dir}/${e.name}`]
        : [],
  );
}

const FILES = new Map(specFiles().map((path) => [path, readFileSync(join(ROOT, path), "utf8")]));
/** Entry points: the top-level specs, each with the files it includes (which may be mutated too). */
const ENTRIES = [...FILES.keys()]
  .filter((path) => path.split("/").length === 2)
  .map((entry) => {
    const includes = [...FILES.get(entry)!.matchAll(/include "([^"]+)"/g)].map((m) =>
      resolveInclude(entry, m[1]!),
    );
    return { entry, targets: [entry, ...includes.filter((p) => FILES.has(p))] };
  });

/** Reads from the spec files in memory, with `overrides` in place; throws for anything else. */
function reader(overrides: ReadonlyMap<string, string>): ReadFile {
  return (path) => {
    const text = overrides.get(path) ?? FILES.get(path);
    if (text === undefined) throw new Error(`ENOENT: no such file: ${path}`);
    return text;
  };
}

/** The properties every check result must have, whatever the input. */
function expectWellFormed(result: CheckResult, input: string): void {
  const codes = Object.keys(CODES);
  const inside = (span: Span, what: string) => {
    const text = result.sources.get(span.file)?.text;
    expect(text, `${what}: span in unknown file ${span.file}\n${input}`).toBeDefined();
    expect(span.start, `${what}: start\n${input}`).toBeGreaterThanOrEqual(0);
    expect(span.end, `${what}: empty span\n${input}`).toBeGreaterThan(span.start);
    expect(span.end, `${what}: end past the text\n${input}`).toBeLessThanOrEqual(text!.length);
  };
  for (const d of result.diagnostics) {
    expect(codes, input).toContain(d.code);
    expect(d.severity).toBe(d.code.startsWith("W") ? "warning" : "error");
    expect(d.message.length).toBeGreaterThan(0);
    if (d.code === "E0103") continue; // an unreadable file has no text to point into
    inside(d.span, `${d.code} ${d.message}`);
    for (const r of d.related ?? []) inside(r.span, `${d.code} related "${r.label}"`);
  }
  expect(() => renderPretty(result.diagnostics, result.sources, { color: false })).not.toThrow();
  expect(() => renderPretty(result.diagnostics, result.sources, { color: true })).not.toThrow();
  expect(() => JSON.parse(renderJson(result.diagnostics, result.sources))).not.toThrow();
  expect(() => renderGithub(result.diagnostics, result.sources)).not.toThrow();
  expect(() => summaryLine(result.diagnostics)).not.toThrow();
  if (result.diagnostics.some((d) => d.severity === "error")) {
    expect(result.models.every((m) => m.ir === undefined)).toBe(true);
  }
}

/** checkSpec, failing the property (with the input) rather than throwing. */
function check(entry: string, read: ReadFile, input: string): CheckResult {
  try {
    return checkSpec(entry, read);
  } catch (error) {
    throw new Error(`checkSpec threw on:\n${input}\n${String((error as Error).stack)}`);
  }
}

describe("mutated specs", () => {
  it("a tab inside a string literal is a diagnostic, not an exception", () => {
    const text = 'model m {\n  x = "a\tb"\n}\n';
    const result = checkSpec("tab.loom", () => text);
    expect(result.diagnostics.map((d) => d.message)).toContain(
      "control character U+0009 in a string",
    );
  });

  it("token soup", () => {
    fc.assert(
      fc.property(tokenSoup, (text) => {
        expectWellFormed(
          check("soup.loom", () => text, text),
          text,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("models of random, mostly ill-typed, layer calls", () => {
    fc.assert(
      fc.property(randomModel, (text) => {
        expectWellFormed(
          check("random.loom", () => text, text),
          text,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("generated models, mutated", () => {
    fc.assert(
      fc.property(validSpec, mutations, ({ text }, ms) => {
        const mutated = applyMutations(text, ms);
        const result = check("generated.loom", () => mutated, mutated);
        expectWellFormed(result, mutated);
      }),
      { numRuns: 200 },
    );
  });

  it("the files in specs/, mutated", () => {
    const entry = fc
      .constantFrom(...ENTRIES)
      .chain(({ entry, targets }) =>
        fc.record({ entry: fc.constant(entry), target: fc.constantFrom(...targets) }),
      );
    fc.assert(
      fc.property(entry, mutations, ({ entry, target }, ms) => {
        const mutated = applyMutations(FILES.get(target)!, ms);
        const result = check(entry, reader(new Map([[target, mutated]])), `${target}:\n${mutated}`);
        expectWellFormed(result, `${target}:\n${mutated}`);
      }),
      { numRuns: 200 },
    );
  });
});
