/** `--tokenizer FILE` and `tokenizer "file:…"` on the command line, and their coded errors. */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

it("loom import names the checkpoint's tokenizer.json, and notes one it cannot read exactly", async () => {
  const dir = tempDir();
  const checkpoint = join(dir, "checkpoint");
  mkdirSync(checkpoint);
  const config = JSON.parse(readFileSync("test/import/parity/llama.config.json", "utf8"));
  writeFileSync(join(checkpoint, "config.json"), JSON.stringify({ ...config, vocab_size: 600 }));
  copyFileSync(
    "test/tokenizers/hub/bpe-fallback.tokenizer.json",
    join(checkpoint, "tokenizer.json"),
  );
  const spec = join(dir, "specs", "llama.loom");
  mkdirSync(join(dir, "specs"));
  const imported = await runLoom("import", checkpoint, "-o", spec);
  expect(imported.code).toBe(0);
  expect(imported.stderr).toContain(
    'it reads text with tokenizer "file:../checkpoint/tokenizer.json"',
  );
  expect(readFileSync(spec, "utf8")).toContain('  tokenizer "file:../checkpoint/tokenizer.json"\n');
  const generated = await runLoom(
    "generate",
    spec,
    "--backend",
    "cpu",
    "--prompt",
    "Call me",
    "--max-tokens",
    "2",
  );
  expect(generated.code).toBe(0);
  expect(generated.stdout.startsWith("Call me")).toBe(true);

  writeFileSync(
    join(checkpoint, "tokenizer.json"),
    '{"model": {"type": "WordLevel", "vocab": {}}}',
  );
  const noted = await runLoom("import", checkpoint);
  expect(noted.code).toBe(0);
  expect(noted.stderr).toContain("note: the spec names no tokenizer: E0542");
  expect(noted.stdout).not.toContain("tokenizer");
});
