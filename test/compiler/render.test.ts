import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import {
  renderGithub,
  renderJson,
  renderPretty,
  summaryLine,
} from "../../src/contracts/diagnostics/render.ts";
import { SourceFile, SourceSet, type Span } from "../../src/contracts/source.ts";

const GPT2 = [
  "model gpt2 {",
  "  dims {",
  "    d = 768",
  "  }",
  "  input tokens: int[batch, seq]",
  "  x = embedding(tokens, vocab = 50257, width = d)",
  "",
  "  repeat 12 {",
  "    x = x + attention(layernorm(x), heads = 10, causal)",
  "  }",
  "}",
].join("\n");

function sourcesOf(...files: [string, string][]): SourceSet {
  const set = new SourceSet();
  for (const [path, text] of files) set.add(new SourceFile(path, text));
  return set;
}

/** The span of the `nth` occurrence (0-based) of `needle` in `text`. */
function spanOf(file: string, text: string, needle: string, nth = 0): Span {
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(needle, start + 1);
  if (start < 0) throw new Error(`${needle} not in ${file}`);
  return { file, start, end: start + needle.length };
}

function diag(over: Partial<Diagnostic> & Pick<Diagnostic, "span">): Diagnostic {
  return { code: "E0302", severity: "error", message: "something is wrong", notes: [], ...over };
}

function pretty(diags: Diagnostic[], sources: SourceSet): string {
  return renderPretty(diags, sources, { color: false });
}

const heads = diag({
  message: "attention heads must divide the model width",
  span: spanOf("specs/gpt2.loom", GPT2, "heads = 10"),
  label: "d = 768 is not divisible by heads = 10",
  notes: ["d = 768 (specs/gpt2.loom:3:10), heads = 10"],
  hint: "heads must divide d; 8, 12 or 16 would give head_dim 96, 64 or 48",
});

describe("renderPretty", () => {
  it("renders the rustc layout of the style guide", () => {
    expect(pretty([heads], sourcesOf(["specs/gpt2.loom", GPT2]))).toBe(
      [
        "error[E0302]: attention heads must divide the model width",
        "  --> specs/gpt2.loom:9:37",
        "   |",
        " 9 |     x = x + attention(layernorm(x), heads = 10, causal)",
        "   |                                     ^^^^^^^^^^ d = 768 is not divisible by heads = 10",
        "   |",
        "   = note: d = 768 (specs/gpt2.loom:3:10), heads = 10",
        "   = hint: heads must divide d; 8, 12 or 16 would give head_dim 96, 64 or 48",
        "",
      ].join("\n"),
    );
  });

  it("ends after the carets when there is no label, note or hint", () => {
    const text = "let width = 7 * 9";
    const d = diag({ code: "E0301", message: "bad", span: spanOf("a.loom", text, "7 * 9") });
    expect(pretty([d], sourcesOf(["a.loom", text]))).toBe(
      [
        "error[E0301]: bad",
        "  --> a.loom:1:13",
        "   |",
        " 1 | let width = 7 * 9",
        "   |             ^^^^^",
        "",
      ].join("\n"),
    );
  });

  it("prints warnings with their own word and code", () => {
    const text = "dims { unused = 4 }";
    const d = diag({
      code: "W0402",
      severity: "warning",
      message: "dim `unused` is never used",
      span: spanOf("w.loom", text, "unused"),
      label: "declared here",
    });
    expect(pretty([d], sourcesOf(["w.loom", text]))).toBe(
      [
        "warning[W0402]: dim `unused` is never used",
        "  --> w.loom:1:8",
        "   |",
        " 1 | dims { unused = 4 }",
        "   |        ^^^^^^ declared here",
        "",
      ].join("\n"),
    );
  });

  it("expands tabs alike in the quoted line and under it", () => {
    const text = "block b {\n\tx\t= 1\n}";
    const sources = sourcesOf(["t.loom", text]);
    const eq = diag({ span: spanOf("t.loom", text, "= 1"), label: "here" });
    expect(pretty([eq], sources)).toBe(
      [
        "error[E0302]: something is wrong",
        "  --> t.loom:2:4",
        "   |",
        " 2 |     x    = 1",
        "   |          ^^^ here",
        "",
      ].join("\n"),
    );
    const overTab = diag({ span: spanOf("t.loom", text, "x\t=") });
    expect(pretty([overTab], sources)).toContain(
      [" 2 |     x    = 1", "   |     ^^^^^^"].join("\n"),
    );
  });

  it("widens the gutter to the largest line number shown", () => {
    const lines = Array.from({ length: 120 }, (_, i) => `line${i + 1} = ${i + 1}`);
    const text = lines.join("\n");
    const d = diag({
      span: spanOf("long.loom", text, "line100"),
      label: "used here",
      related: [{ span: spanOf("long.loom", text, "line3 "), label: "defined here" }],
      hint: "rename it",
    });
    expect(pretty([d], sourcesOf(["long.loom", text]))).toBe(
      [
        "error[E0302]: something is wrong",
        "    --> long.loom:100:1",
        "     |",
        "   3 | line3 = 3",
        "     | ------ defined here",
        "...",
        " 100 | line100 = 100",
        "     | ^^^^^^^ used here",
        "     |",
        "     = hint: rename it",
        "",
      ].join("\n"),
    );
  });

  it("hangs the label of a related span that shares the primary span's line", () => {
    const d = diag({
      span: spanOf("specs/gpt2.loom", GPT2, "heads = 10"),
      label: "primary",
      related: [{ span: spanOf("specs/gpt2.loom", GPT2, "layernorm(x)"), label: "input" }],
    });
    expect(pretty([d], sourcesOf(["specs/gpt2.loom", GPT2]))).toBe(
      [
        "error[E0302]: something is wrong",
        "  --> specs/gpt2.loom:9:37",
        "   |",
        " 9 |     x = x + attention(layernorm(x), heads = 10, causal)",
        "   |                       ------------  ^^^^^^^^^^ primary",
        "   |                       |",
        "   |                       input",
        "",
      ].join("\n"),
    );
  });

  it("quotes a related span in another file under a ::: header", () => {
    const lib = "block mlp(x) {\n  return linear(x, 4 * d)\n}";
    const main = "x = mlp(x, 3)";
    const d = diag({
      code: "E0208",
      message: "too many arguments",
      span: spanOf("main.loom", main, "3"),
      label: "unexpected argument",
      related: [{ span: spanOf("lib.loom", lib, "mlp(x)"), label: "`mlp` takes 1 argument" }],
    });
    expect(pretty([d], sourcesOf(["main.loom", main], ["lib.loom", lib]))).toBe(
      [
        "error[E0208]: too many arguments",
        "  --> main.loom:1:12",
        "   |",
        " 1 | x = mlp(x, 3)",
        "   |            ^ unexpected argument",
        "   |",
        "  ::: lib.loom:1:7",
        "   |",
        " 1 | block mlp(x) {",
        "   |       ------ `mlp` takes 1 argument",
        "",
      ].join("\n"),
    );
  });

  it("underlines a span over several lines to the end of its first line", () => {
    const text = "x = f(a,\n      b)";
    const d = diag({ span: { file: "m.loom", start: 4, end: text.length }, label: "this call" });
    expect(pretty([d], sourcesOf(["m.loom", text]))).toBe(
      [
        "error[E0302]: something is wrong",
        "  --> m.loom:1:5",
        "   |",
        " 1 | x = f(a,",
        "   |     ^^^^ this call",
        "",
      ].join("\n"),
    );
  });

  it("draws one caret for an empty span at the end of a line", () => {
    const text = "x = f(a\ny = 2";
    const d = diag({
      code: "E0102",
      span: { file: "e.loom", start: 7, end: 7 },
      label: "expected `)`",
    });
    expect(pretty([d], sourcesOf(["e.loom", text]))).toBe(
      [
        "error[E0102]: something is wrong",
        "  --> e.loom:1:8",
        "   |",
        " 1 | x = f(a",
        "   |        ^ expected `)`",
        "",
      ].join("\n"),
    );
  });

  it("prints only the header (and notes) for a file the source set lacks", () => {
    const d = diag({
      code: "E0103",
      message: "cannot read `gone.loom`",
      span: { file: "gone.loom", start: 5, end: 9 },
      label: "never shown",
    });
    const set = new SourceSet();
    expect(pretty([d], set)).toBe(
      ["error[E0103]: cannot read `gone.loom`", "  --> gone.loom:1:1", ""].join("\n"),
    );
    expect(pretty([{ ...d, notes: ["no such file"] }], set)).toBe(
      [
        "error[E0103]: cannot read `gone.loom`",
        "  --> gone.loom:1:1",
        "   |",
        "   = note: no such file",
        "",
      ].join("\n"),
    );
  });

  it("separates diagnostics by one blank line and renders nothing for none", () => {
    const text = "a b";
    const sources = sourcesOf(["s.loom", text]);
    const a = diag({ message: "first", span: spanOf("s.loom", text, "a") });
    const b = diag({ message: "second", span: spanOf("s.loom", text, "b") });
    expect(pretty([a, b], sources)).toBe(
      [
        "error[E0302]: first",
        "  --> s.loom:1:1",
        "   |",
        " 1 | a b",
        "   | ^",
        "",
        "error[E0302]: second",
        "  --> s.loom:1:3",
        "   |",
        " 1 | a b",
        "   |   ^",
        "",
      ].join("\n"),
    );
    expect(pretty([], sources)).toBe("");
  });

  it("colours only when asked, with the same text underneath", () => {
    const sources = sourcesOf(["specs/gpt2.loom", GPT2]);
    const plain = pretty([heads], sources);
    const coloured = renderPretty([heads], sources, { color: true });
    expect(plain).not.toContain("\x1b[");
    expect(coloured).toContain("\x1b[31m");
    expect(coloured).toContain("\x1b[34m");
    expect(coloured.replace(/\x1b\[\d+m/g, "")).toBe(plain);
    const warning = renderPretty([{ ...heads, severity: "warning" }], sources, { color: true });
    expect(warning).toContain("\x1b[33m");
  });
});

describe("summaryLine", () => {
  const e = diag({ span: { file: "f", start: 0, end: 0 } });
  const w: Diagnostic = { ...e, severity: "warning", code: "W0401" };

  it("counts errors and warnings", () => {
    expect(summaryLine([])).toBe("");
    expect(summaryLine([e])).toBe("error: 1 error emitted");
    expect(summaryLine([e, e, w])).toBe("error: 2 errors, 1 warning emitted");
    expect(summaryLine([w, w])).toBe("warning: 2 warnings emitted");
  });
});

describe("renderJson", () => {
  it("gives 1-based positions, an exclusive end column, and counts", () => {
    const lib = "block mlp(x) {\n  return x\n}";
    const sources = sourcesOf(["specs/gpt2.loom", GPT2], ["lib.loom", lib]);
    const withRelated: Diagnostic = {
      ...heads,
      related: [
        { span: spanOf("specs/gpt2.loom", GPT2, "768"), label: "d defined here" },
        { span: { file: "lib.loom", start: 15, end: lib.length }, label: "spans lines" },
      ],
    };
    const bare = diag({
      code: "W0401",
      severity: "warning",
      message: "unused value",
      span: spanOf("specs/gpt2.loom", GPT2, "tokens"),
    });
    const text = renderJson([withRelated, bare], sources);
    expect(text.startsWith('{\n  "diagnostics": [\n    {\n      "code": "E0302",')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({
      diagnostics: [
        {
          code: "E0302",
          severity: "error",
          message: "attention heads must divide the model width",
          file: "specs/gpt2.loom",
          line: 9,
          column: 37,
          endLine: 9,
          endColumn: 47,
          label: "d = 768 is not divisible by heads = 10",
          notes: ["d = 768 (specs/gpt2.loom:3:10), heads = 10"],
          hint: "heads must divide d; 8, 12 or 16 would give head_dim 96, 64 or 48",
          related: [
            {
              file: "specs/gpt2.loom",
              line: 3,
              column: 9,
              endLine: 3,
              endColumn: 12,
              label: "d defined here",
            },
            {
              file: "lib.loom",
              line: 2,
              column: 1,
              endLine: 3,
              endColumn: 2,
              label: "spans lines",
            },
          ],
        },
        {
          code: "W0401",
          severity: "warning",
          message: "unused value",
          file: "specs/gpt2.loom",
          line: 5,
          column: 9,
          endLine: 5,
          endColumn: 15,
          notes: [],
        },
      ],
      errors: 1,
      warnings: 1,
    });
    expect(Object.keys(JSON.parse(text).diagnostics[1])).not.toContain("label");
  });

  it("reads positions of an unknown file as 1:1", () => {
    const d = diag({ span: { file: "nowhere.loom", start: 40, end: 44 } });
    const [first] = JSON.parse(renderJson([d], new SourceSet())).diagnostics;
    expect(first).toMatchObject({
      file: "nowhere.loom",
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
    });
  });
});

describe("renderGithub", () => {
  it("writes one workflow command per diagnostic with title, notes and hint", () => {
    const sources = sourcesOf(["specs/gpt2.loom", GPT2]);
    expect(renderGithub([heads], sources)).toBe(
      "::error file=specs/gpt2.loom,line=9,col=37,endLine=9,endColumn=47," +
        "title=E0302 width not divisible by heads::attention heads must divide the model width" +
        "%0Anote: d = 768 (specs/gpt2.loom:3:10), heads = 10" +
        "%0Ahint: heads must divide d; 8, 12 or 16 would give head_dim 96, 64 or 48\n",
    );
  });

  it("escapes data and, in properties, also colons and commas", () => {
    const path = "C:\\specs\\a,b.loom";
    const text = "x = 1";
    const d = diag({
      code: "W0401",
      severity: "warning",
      message: "100% unused,\r\nreally: yes",
      span: spanOf(path, text, "x"),
    });
    const e = diag({ code: "E9999", message: "m", span: spanOf(path, text, "1") });
    expect(renderGithub([d, e], sourcesOf([path, text]))).toBe(
      "::warning file=C%3A\\specs\\a%2Cb.loom,line=1,col=1,endLine=1,endColumn=2," +
        "title=W0401 unused value::100%25 unused,%0D%0Areally: yes\n" +
        "::error file=C%3A\\specs\\a%2Cb.loom,line=1,col=5,endLine=1,endColumn=6,title=E9999::m\n",
    );
  });
});
