import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KernelPlan, TypedIr } from "../../src/api/check.ts";
import { runLoom } from "./run-loom.ts";

const TINY = [
  "model tiny {",
  "  dims { vocab = 16, d = 8 }",
  "  input tokens: int[batch, seq <= 4]",
  "  x = embed(tokens, vocab, d)",
  "  output logits = lm_head(layernorm(x), vocab)",
  "}",
  "",
].join("\n");

function tinySpec(): string {
  const path = join(mkdtempSync(join(tmpdir(), "loom-emit-")), "tiny.loom");
  writeFileSync(path, TINY);
  return path;
}

async function emit(what: string, spec: string): Promise<string> {
  const r = await runLoom("check", "--emit", what, spec);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** The lines that print nodes (`%n = …`) or steps (`step n …`). */
const nodeLines = (text: string) => text.split("\n").filter((l) => /^%\d+ = /.test(l));
const stepLines = (text: string) => text.split("\n").filter((l) => /^step \d+ /.test(l));

/** A spec's IR or plan as JSON, and the node or step lines of its text form. */
async function bothForms<T>(
  what: "ir" | "plan",
  spec: string,
): Promise<{ json: T; lines: string[] }> {
  const json = JSON.parse(await emit(`${what}-json`, spec)) as T;
  const text = await emit(what, spec);
  return { json, lines: what === "ir" ? nodeLines(text) : stepLines(text) };
}

describe("loom check --emit ir (text)", () => {
  it("prints the tiny spec as listed by hand", async () => {
    const spec = tinySpec();
    // Columns: `embed` at 4:7; on line 5 `lm_head` at 19 (after "  output logits = ") and
    // `layernorm` at 27 (after "lm_head("). Params: embed 16 * 8, layernorm 2 * 8, lm_head 8 * 16.
    expect(await emit("ir", spec)).toBe(
      [
        "model tiny: 3 nodes, 4 values",
        "dims vocab = 16, d = 8",
        "symbols batch, seq <= 4",
        `input %0 tokens : int[batch, seq <= 4]  (${spec}:3:3)`,
        `%1 = embed(%0, vocab=16, width=8) : float[batch, seq <= 4, 8]  # embed, 128 params  (${spec}:4:7)`,
        `%2 = layernorm(%1, eps=0.00001, bias) : float[batch, seq <= 4, 8]  # layernorm, 16 params  (${spec}:5:27)`,
        `%3 = lm_head(%2, vocab=16, bias=false) : float[batch, seq <= 4, 16]  # lm_head, 128 params  (${spec}:5:19)`,
        `output logits = %3 : float[batch, seq <= 4, 16]  (${spec}:5:3)`,
        "",
      ].join("\n"),
    );
  });

  it("has one line per IR node, in order, with its name, op and output", async () => {
    for (const spec of ["specs/tiny-gpt.loom", "specs/tiny-t5.loom"]) {
      const { json: ir, lines } = await bothForms<TypedIr>("ir", spec);
      expect(lines).toHaveLength(ir.nodes.length);
      ir.nodes.forEach((node, i) => {
        expect(lines[i]).toMatch(new RegExp(`^%${node.output} = ${node.op}\\(`));
        expect(lines[i]).toContain(`# ${node.name}`);
        expect(lines[i]).toContain(
          `(${node.source.file}:${node.source.line}:${node.source.column})`,
        );
      });
    }
  });

  it("names operands other than the first by role, and ties by the node tied to", async () => {
    const t5 = await emit("ir", "specs/tiny-t5.loom");
    expect(t5).toMatch(/= attention\(%\d+, padding=%1, position_bias=%\d+, heads=4,/);
    expect(t5).toContain(": position_bias  # relative_position_bias");
    const gpt = nodeLines(await emit("ir", "specs/tiny-gpt.loom"));
    expect(gpt.at(-1)).toContain("# lm_head, weights of wte");
  });
});

describe("loom check --emit plan (text)", () => {
  it("prints the tiny spec's three steps with sizes worked out by hand", async () => {
    const lines = stepLines(await emit("plan", tinySpec()));
    expect(lines).toHaveLength(3);
    // At the bounds batch = 1, seq = 4: the layernorm runs one workgroup a row (4), its
    // input and output hold 8 * 4 floats = 128 bytes, its weight and bias 8 floats = 32 bytes.
    expect(lines[1]).toBe(
      "step 1  layernorm_d8_eps0.00001  grid [batch * seq, 1, 1] = [4, 1, 1]  " +
        "reads embed f32[8 * batch * seq] (128 B), layernorm.weight f32[8] (32 B), layernorm.bias f32[8] (32 B)  " +
        "writes layernorm f32[8 * batch * seq] (128 B)  # layernorm",
    );
    // The LM head: logits 16 * 4 floats = 256 bytes, the weight 16 * 8 floats = 512 bytes.
    expect(lines[2]).toMatch(/^step 2  matmul_k8_n16  grid \[1, ceil\(batch \* seq \/ 64\), 1\]/);
    expect(lines[2]).toContain("lm_head.weight f32[128] (512 B)");
    expect(lines[2]).toContain("writes lm_head f32[16 * batch * seq] (256 B)");
  });

  it("has one line per plan step naming its kernel, nodes, buffers and when it runs", async () => {
    for (const spec of ["specs/tiny-gpt.loom", "specs/tiny-t5.loom"]) {
      const { json: plan, lines } = await bothForms<KernelPlan>("plan", spec);
      expect(lines).toHaveLength(plan.steps.length);
      plan.steps.forEach((step, i) => {
        const line = lines[i]!;
        expect(line).toMatch(
          new RegExp(`^step ${i}( \\([^)]*\\))?  ${escape(step.kernel)}  grid \\[`),
        );
        expect(line.endsWith(`# ${step.nodes.join(", ")}`)).toBe(true);
        for (const id of step.buffers) expect(line).toContain(` ${plan.buffers[id]!.name} `);
        if (step.when !== "always")
          expect(line).toMatch(new RegExp(`^step ${i} \\([^)]*${step.when}`));
        if (step.phase === "encoder") expect(line).toMatch(/^step \d+ \(encoder/);
      });
    }
  });

  it("keeps the JSON forms for tools", async () => {
    const spec = tinySpec();
    expect(JSON.parse(await emit("ir-json", spec)).format).toBe("loom.typed-ir");
    expect(JSON.parse(await emit("plan-json", spec)).steps).toHaveLength(3);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("loom compile --emit", () => {
  it("prints the bundle's own plan (lowered for --max-batch) and the summary on stderr", async () => {
    const spec = tinySpec();
    const out = join(dirname(spec), "tiny.bundle");
    const r = await runLoom("compile", spec, "-o", out, "--max-batch", "2", "--emit", "plan");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("compiled tiny");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const lines = stepLines(r.stdout);
    expect(lines).toHaveLength(manifest.plan.steps.length);
    expect(r.stdout).toContain("sizes batch <= 2, seq <= 4");
    // The layernorm runs a workgroup a row: batch 2 * seq 4 = 8 rows; 8 * 8 floats = 256 bytes.
    expect(lines[1]).toContain("grid [batch * seq, 1, 1] = [8, 1, 1]");
    expect(lines[1]).toContain("writes layernorm f32[8 * batch * seq] (256 B)");
  });
});
