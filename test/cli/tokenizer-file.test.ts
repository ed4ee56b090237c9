/** `--tokenizer FILE` and `tokenizer "file:…"` on the command line, and their coded errors. */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { tempDir } from "../bundle/helpers.ts";
import { runLoom } from "./run-loom.ts";

const FIXTURE = "test/tokenizers/hub/wordpiece.tokenizer.json";
const SPEC = `model mini {
  dims { vocab = 500, ctx = 16, d = 8 }
  input tokens: int[batch, seq <= ctx]
  tokenizer "file:tok.json"
  x = embed(tokens, vocab, d) as wte
  output logits = lm_head(layernorm(x), tied_to = wte)
}
`;

it("runs text through the spec's tokenizer.json, or the one --tokenizer gives", async () => {
  const dir = tempDir();
  const spec = join(dir, "mini.loom");
  writeFileSync(spec, SPEC);
  const missing = await runLoom("run", spec, "--backend", "cpu", "--text", "Call me");
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain("error[E0540]: cannot read the tokenizer");

  copyFileSync(FIXTURE, join(dir, "other.json"));
  const given = await runLoom(
    "run",
    spec,
    "--backend",
    "cpu",
    "--text",
    "Call me",
    "--tokenizer",
    join(dir, "other.json"),
  );
  expect(given.stderr).toBe("");
  // [CLS] c ##all me [SEP]: five ids, as the Rust tokenizers library encodes "Call me".
  expect(given.stdout).toContain("logits: [1, 5, 500]");

  writeFileSync(join(dir, "tok.json"), '{"model": {"type": "WordLevel", "vocab": {}}}');
  const unsupported = await runLoom("run", spec, "--backend", "cpu", "--text", "Call me");
  expect(unsupported.stderr).toContain("error[E0542]: cannot use the tokenizer");
});
