import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/api/model.ts";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SPEC = "specs/tiny-llama.loom";

describe("loom export --format hf", () => {
  it("writes config.json and model.safetensors that load back as the same weights", async () => {
    const out = join(dir, "llama");
    const { code, stderr } = await runLoom("export", SPEC, "--format", "hf", "-o", out);
    expect(code).toBe(0);
    expect(stderr).toContain("a Hugging Face llama model, tensors in hf-llama names");
    expect(readdirSync(out).sort()).toEqual(["config.json", "model.safetensors"]);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config).toMatchObject({ model_type: "llama", num_key_value_heads: 2, hidden_size: 64 });
    const original = loadModel(SPEC, { backend: "cpu" });
    const back = loadModel(SPEC, { backend: "cpu", weights: join(out, "model.safetensors") });
    expect([...back.weights.keys()].sort()).toEqual([...original.weights.keys()].sort());
    for (const [name, t] of original.weights)
      expect(back.weights.get(name)!.data, name).toEqual(t.data.map(Math.fround));
  });

  it("never replaces an output without --force, and --force replaces only an earlier export", async () => {
    const out = join(dir, "again");
    expect((await runLoom("export", SPEC, "-o", out)).code).toBe(0);
    const refused = await runLoom("export", SPEC, "-o", out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("E0923");
    expect((await runLoom("export", SPEC, "-o", out, "--force")).code).toBe(0);

    const mine = join(dir, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep");
    const kept = await runLoom("export", SPEC, "-o", mine, "--force");
    expect(kept.code).toBe(2);
    expect(kept.stderr).toContain("holds files an export does not write (notes.txt)");
    expect(readdirSync(mine)).toEqual(["notes.txt"]);
  });

  it("a spec no config means is refused with its code and place, nothing written (exit 1)", async () => {
    const out = join(dir, "sandwich");
    const { code, stderr } = await runLoom("export", "specs/tiny-sandwich.loom", "-o", out);
    expect(code).toBe(1);
    expect(stderr).toContain("error[E0921]");
    expect(stderr).toContain("specs/tiny-sandwich.loom:11:31");
    expect(() => readdirSync(out)).toThrow();
  });
});

describe("loom export --format onnx", () => {
  it("writes one .onnx file that onnxruntime-node loads, and never replaces it without --force", async () => {
    const out = join(dir, "gpt.onnx");
    const { code, stderr } = await runLoom(
      "export",
      "specs/tiny-gpt.loom",
      "--format",
      "onnx",
      "-o",
      out,
    );
    expect(code).toBe(0);
    expect(stderr).toContain("an ONNX model (opset 17");
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.inputNames).toEqual(["tokens"]);
    expect(session.outputNames).toEqual(["logits"]);
    const refused = await runLoom("export", "specs/tiny-gpt.loom", "--format", "onnx", "-o", out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("E0923");
  });
});
