import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../grammar/index.ts";
import { astShape, commentTexts, mustParse } from "./ast-shape.ts";
import { format } from "./helpers.ts";

/** Every .loom file below a directory (none when it does not exist). */
function loomFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return loomFiles(path);
    return e.name.endsWith(".loom") ? [path] : [];
  });
}

/** Spec files in the repository that parse (the diagnostics cases include syntax errors). */
const files = [...loomFiles("specs"), ...loomFiles("test")]
  .sort()
  .filter((path) => parseSpec(readFileSync(path, "utf8"), path).ast !== undefined);

const SAMPLES: Record<string, string> = {
  "gpt-2 small": `// GPT-2 small (Radford et al. 2019)
include "blocks/common.loom"

block gpt_block(x, heads, hidden = 3072, eps = 1e-5) {
  x = x + attention(layernorm(x, eps = eps), heads, causal)
  x = x + mlp(layernorm(x, eps = eps), hidden, act = gelu_tanh) // FFN
  return x
}

model gpt2_small {
  dims { vocab = 50257, ctx = 1024, d = 768, heads = 12, layers = 12 }
  input tokens: int[batch, seq <= ctx]

  x = embed(tokens, vocab, d) as wte
  x = x + learned_positions(x, ctx)
  repeat layers {
    x = gpt_block(x, heads, hidden = 4 * d)
  }
  /* the head is tied to the token embedding */
  output logits = lm_head(layernorm(x), tied_to = wte)
}
`,
  "everything on one line": `model m { dims { a = 1 b = 2 } input x: f32[a, b <= 4] y = f(x) as l output y }`,
  "long calls": `model m { x = attention(layernorm(x, eps = 1e-5), heads, causal, rope = rope_theta, window = sliding_window, kv_heads = kv) }`,
  "nested long calls": `model m { x = outer_layer_with_long_name(inner_layer_with_long_name(x, argument_one, argument_two, argument_three), y) }`,
  operators: `model m { x = (a + b) * (c - (d - e)) / -(f * g) - - h + (i * j) }`,
  "comments everywhere": `/* a */ model /* b */ m /* c */ { // d
  x /* e */ = /* f */ g( // h
    /* i */ y, // j
    z /* k */ ) // l
  // m
} // n
// o`,
  "blank lines": `\n\n\nmodel m {\n\n\n  x = a\n\n\n\n  y = b\n\n\n}\n\n\n\nblock b() {\n  return 1\n}\n\n\n`,
  "long dims": `model m { dims { vocab_size = 50257, context_length = 1024, model_width = 768, attention_heads = 12, layer_count = 12 } }`,
  "repeat scopes": `model m { repeat layers as encoder { x = layer(x) } repeat (n(x)) as s { } }`,
  "strings and numbers": `include "a\\u0062c.loom" model m { tokenizer "gpt2" x = f(1_000, 2.5e+3, "tab\\t", true) }`,
};

async function expectStable(text: string): Promise<void> {
  const once = await format(text);
  expect(await format(once)).toBe(once);
  const before = mustParse(text);
  const after = mustParse(once);
  expect(astShape(after)).toEqual(astShape(before));
  expect(commentTexts(after)).toEqual(commentTexts(before));
}

describe("formatting twice changes nothing", () => {
  it.each(Object.entries(SAMPLES))("sample: %s", async (_name, text) => {
    await expectStable(text);
  });

  it.runIf(files.length > 0).each(files)("%s", async (path) => {
    await expectStable(readFileSync(path, "utf8"));
  });
});
