/**
 * A weight map's mistakes are diagnostics that point at the map's line: each code E0510–W0516
 * from one bad map, the line and column each points at, and one rendered in full.
 */
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import { renderPretty } from "../../src/contracts/diagnostics/render.ts";
import { SourceFile, SourceSet } from "../../src/contracts/source.ts";
import { parseWeightMap } from "../../src/formats/weights/map/parse.ts";
import { MAP_CASES, MAP_PATH, mapDiagnostics, mapText, runCase } from "./map-cases.ts";

function where(d: Diagnostic, text: string): string {
  const at = new SourceFile(MAP_PATH, text).position(d.span.start);
  return `${d.code} ${at.line}:${at.column}`;
}

describe("weight-map diagnostics", () => {
  for (const [code, c] of Object.entries(MAP_CASES))
    it(`${code} is produced by its bad map`, () => {
      expect(runCase(c).map((d) => d.code)).toContain(code);
    });

  it("E0510 points at where the JSON stops parsing", () => {
    const text = '{\n  "format": "loom-weight-map/1",\n  "rules": [,]\n}\n';
    const [d] = parseWeightMap(text, MAP_PATH).diagnostics;
    expect(where(d!, text)).toBe("E0510 3:13");
  });

  it("E0511 points at the field: a typo in a transform, an unknown key, a wrong version", () => {
    const text = mapText([
      '{ "from": "a", "to": "b" }',
      '{ "from": "c", "to": "d", "transforms": [{ "transpos": [1, 0] }] }',
    ]).replace("loom-weight-map/1", "loom-weight-map/2");
    const found = parseWeightMap(text, MAP_PATH).diagnostics;
    expect(found.map((d) => `${where(d, text)} ${d.message}`)).toEqual([
      'E0511 2:13 invalid weight map: `format`: expected "loom-weight-map/1", found the string "loom-weight-map/2"',
      "E0511 5:46 invalid weight map: `rules[1].transforms[0]` has unknown key `transpos`",
      "E0511 5:46 invalid weight map: `rules[1].transforms[0]`: a transform has exactly one of transpose, squeeze, reshape, split",
    ]);
  });

  it("E0511 for a bad regex, a capture the pattern lacks, a split without {part}", () => {
    const text = mapText([
      '{ "regex": "a(b", "to": "x" }',
      '{ "from": "a/*", "to": "x.{1}.{2}" }',
      '{ "from": "qkv", "to": "attn", "transforms": [{ "split": { "axis": 0, "parts": ["q", "k"] } }] }',
    ]);
    const found = parseWeightMap(text, MAP_PATH).diagnostics;
    expect(found.map((d) => where(d, text))).toEqual(["E0511 4:16", "E0511 5:28", "E0511 6:28"]);
    expect(found[1]!.message).toBe(
      "invalid weight map: `rules[1].to` uses {2}, which the rule does not capture",
    );
    expect(found[1]!.notes).toEqual(["the rule captures {1}"]);
  });

  it("binding problems point at the rule's line", () => {
    const cases = ["E0512", "E0513", "E0514", "W0516"].map((code) => {
      const c = MAP_CASES[code]!;
      return where(
        runCase(c).find((d) => d.code === code)!,
        c.text,
      );
    });
    expect(cases).toEqual(["E0512 4:5", "E0513 4:5", "E0514 4:5", "W0516 5:5"]);
  });

  it("renders E0514 with the rule quoted and the weight it was for", () => {
    const c = MAP_CASES["E0514"]!;
    const found = runCase(c);
    const sources = new SourceSet();
    sources.add(new SourceFile(MAP_PATH, c.text));
    expect(renderPretty(found, sources, { color: false })).toContain(
      [
        "error[E0514]: weight shape mismatch: rule `rules[0]` (`emb`) makes `tok.weight` [4, 10] from `emb` [4, 10], but `tok.weight` needs [10, 4]",
        `  --> ${MAP_PATH}:4:5`,
        "   |",
        ' 4 |     { "from": "emb", "to": "tok.weight" }',
        "   |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
      ].join("\n"),
    );
    expect(found[0]!.hint).toContain("add a transpose");
  });

  it("does not report a map that fits", () => {
    const text = mapText(['{ "from": "emb", "to": "tok.weight" }']);
    expect(mapDiagnostics(text)).toEqual([]);
  });
});
