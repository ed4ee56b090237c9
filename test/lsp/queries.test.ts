import { describe, expect, it } from "vitest";
import { completeAt, indexSpec } from "../../src/api/language.ts";

// Offsets below are found in these texts by the string written there; shapes derived by hand.
const BLOCK = "block proj(x, width) {\n  y = linear(x, width)\n  return y\n}\n";
const SPEC = [
  'include "proj.loom"',
  "model m {",
  "  dims { d = 16, ctx = 16, wide = 24 }",
  "  input feats: float[batch, seq <= ctx, d]",
  "  a = proj(feats, wide)",
  "  b = proj(feats, d)",
  "  output y = a + proj(b, wide)",
  "}",
  "",
].join("\n");
const files: Record<string, string> = { "/w/spec.loom": SPEC, "/w/proj.loom": BLOCK };
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`no file ${path}`);
  return text;
};

describe("the editor queries of the API", () => {
  const { spec, index } = indexSpec("/w/spec.loom", read);
  const at = (text: string, nth = 0) => {
    let offset = -1;
    for (let i = 0; i <= nth; i++) offset = SPEC.indexOf(text, offset + 1);
    return offset;
  };

  it("checks the spec clean", () => {
    expect(spec.diagnostics).toEqual([]);
  });

  it("names every dim of an axis's size, and the bound of a dynamic dim", () => {
    expect(index.hover("/w/spec.loom", at("a ="))!.markdown).toContain(
      "a: float[batch, seq, wide=24]",
    );
    expect(index.hover("/w/spec.loom", at("feats,"))!.markdown).toContain(
      "feats: float[batch, seq, d|ctx=16]",
    );
    expect(index.hover("/w/spec.loom", at("seq"))!.markdown).toContain("seq <= 16");
  });

  it("shows each shape a block's value takes, one line per distinct shape", () => {
    const y = BLOCK.indexOf("y =");
    const markdown = index.hover("/w/proj.loom", y)!.markdown;
    expect(markdown).toContain("y: float[batch, seq, wide=24]");
    expect(markdown).toContain("y: float[batch, seq, d|ctx=16]");
  });

  it("renames a block parameter within its block only", () => {
    const result = index.rename("/w/proj.loom", BLOCK.indexOf("width"), "w");
    expect(result).toEqual({
      ok: true,
      spans: [
        { file: "/w/proj.loom", start: 14, end: 19 },
        { file: "/w/proj.loom", start: 39, end: 44 },
      ],
    });
  });

  it("refuses to rename a built-in layer", () => {
    expect(index.rename("/w/proj.loom", BLOCK.indexOf("linear"), "dense")).toEqual({
      ok: false,
      reason: "only a value, an input or a dim can be renamed",
    });
  });

  it("goes from a block's callee to the block, and from an include to its file", () => {
    expect(index.definition("/w/spec.loom", at("proj(b"))).toEqual({
      file: "/w/proj.loom",
      start: 6,
      end: 10,
    });
    expect(index.definition("/w/spec.loom", at("proj.loom"))).toEqual({
      file: "/w/proj.loom",
      start: 0,
      end: 0,
    });
  });

  it("completes an option's values after `name =`, and a block's parameters", () => {
    const act = "model m {\n  y = mlp(x, 64, act = ";
    const values = completeAt(act, act.length, new Map()).filter((e) => e.kind === "option");
    expect(values.map((e) => e.label)).toEqual([
      "gelu",
      "gelu_tanh",
      "relu",
      "silu",
      "swiglu",
      "geglu",
    ]);
    const call = "model m {\n  y = proj(";
    const args = completeAt(call, call.length, spec.loaded.blocks).filter(
      (e) => e.kind === "argument",
    );
    expect(args.map((e) => e.label)).toEqual(["x", "width"]);
  });

  it("completes the names in scope: values bound before the cursor's statement, then dims", () => {
    const names = (text: string) =>
      completeAt(text, text.length, new Map())
        .filter((e) => e.kind === "value" || e.kind === "dim")
        .map((e) => `${e.label}: ${e.detail}`);
    const model = [
      "model m {",
      "  dims { d = 16, ctx = 16, half = d / 2 }",
      "  input feats: float[batch, seq <= ctx, d]",
      "  a = linear(feats, d, bias = false) as first",
      "  repeat 2 { a = a + mlp(a, half) }",
      "  b = a + ",
    ].join("\n");
    // Not b (its own statement), nor the label, the named argument or the bound's ctx again.
    expect(names(model)).toEqual([
      "feats: input feats",
      "a: a = …",
      "d: d = 16",
      "ctx: ctx = 16",
      "half: half = d / 2",
      "batch: batch",
      "seq: seq <= ctx",
    ]);
    // A block sees its parameters and its own values only, not the model's before it.
    const block = `${model}\n}\nblock proj(x, width, eps = 1e-5) {\n  y = linear(x, width)\n  z = `;
    expect(names(block)).toEqual([
      "x: parameter x",
      "width: parameter width",
      "eps: parameter eps",
      "y: y = …",
    ]);
    // Outside any model or block, nothing.
    expect(names(`${model}\n}\n`)).toEqual([]);
  });

  it("completes the name being typed, leaving out the parameters positional arguments filled", () => {
    const typing = "model m {\n  y = attention(x, cau";
    const labels = completeAt(typing, typing.length, new Map()).map((e) => e.label);
    expect(labels).toContain("causal");
    expect(labels).not.toContain("x");
  });
});
