import { describe, expect, it } from "vitest";
import { formatSpec } from "../../src/compiler/format/format.ts";
import { expectFormat, src } from "./helpers.ts";

describe("layout", () => {
  it("indents two spaces and puts one statement per line", async () => {
    await expectFormat(
      "model m { x = a y = b\n      repeat n { z = c w = d } }",
      src`
        model m {
          x = a
          y = b
          repeat n {
            z = c
            w = d
          }
        }
      `,
    );
  });

  it("keeps blank lines between statements, at most one", async () => {
    await expectFormat(
      "model m {\n\n  x = a\n\n\n\n  y = b\n  z = c\n\n}\n",
      src`
        model m {
          x = a

          y = b
          z = c
        }
      `,
    );
  });

  it("separates top-level items by exactly one blank line", async () => {
    await expectFormat(
      'include "a.loom" include "b.loom"\n\n\n\nblock b(x) { return x }\nmodel m {}',
      src`
        include "a.loom"

        include "b.loom"

        block b(x) {
          return x
        }

        model m {}
      `,
    );
  });

  it("prints an empty file as empty", async () => {
    await expectFormat("  \n\n", "");
  });
});

describe("declarations", () => {
  it("keeps dims on one line when they fit", async () => {
    await expectFormat(
      "model m { dims {vocab=50257 ctx=1024,d=768} }",
      src`
        model m {
          dims { vocab = 50257, ctx = 1024, d = 768 }
        }
      `,
    );
  });

  it("puts one dim per line, without commas, when they do not fit in 100 columns", async () => {
    await expectFormat(
      "model m { dims { vocab = 50257, ctx = 1024, d = 768, heads = 12, layers = 12, hidden = 3072, kv_heads = 4, rope = 10000 } }",
      src`
        model m {
          dims {
            vocab = 50257
            ctx = 1024
            d = 768
            heads = 12
            layers = 12
            hidden = 3072
            kv_heads = 4
            rope = 10000
          }
        }
      `,
    );
  });

  it("breaks at exactly 100 columns", async () => {
    const dims = (name: string) => `  dims { ${name} = 1, b = 2 }`;
    const fits = dims("a".repeat(100 - dims("").length));
    expect(fits).toHaveLength(100);
    await expectFormat(`model m {\n${fits}\n}\n`, `model m {\n${fits}\n}\n`);
    const long = "a".repeat(101 - dims("").length);
    await expectFormat(
      `model m {\n${dims(long)}\n}\n`,
      `model m {\n  dims {\n    ${long} = 1\n    b = 2\n  }\n}\n`,
    );
  });

  it("prints empty dims, bodies and argument lists compactly", async () => {
    await expectFormat(
      "model m { dims { } x = f( ) repeat n { } }\nblock b( ) { }",
      src`
        model m {
          dims {}
          x = f()
          repeat n {}
        }

        block b() {}
      `,
    );
  });

  it("prints inputs, outputs, tokenizers and labels", async () => {
    await expectFormat(
      'model m { tokenizer"gpt2" input tokens :int[ batch,seq<=ctx ] x=embed(tokens,v,d)as wte output x output y=x }',
      src`
        model m {
          tokenizer "gpt2"
          input tokens: int[batch, seq <= ctx]
          x = embed(tokens, v, d) as wte
          output x
          output y = x
        }
      `,
    );
  });

  it("prints block parameters with defaults", async () => {
    await expectFormat(
      "block gpt_block(x,heads,hidden=3072,eps=1e-5){return x}",
      src`
        block gpt_block(x, heads, hidden = 3072, eps = 1e-5) {
          return x
        }
      `,
    );
  });

  it("breaks long parameter lists one per line, without a trailing comma", async () => {
    await expectFormat(
      "block a_block_with_a_long_name(input_tensor, number_of_heads, hidden_width = 3072, epsilon = 1e-5) {}",
      src`
        block a_block_with_a_long_name(
          input_tensor,
          number_of_heads,
          hidden_width = 3072,
          epsilon = 1e-5
        ) {}
      `,
    );
  });

  it("prints repeat scopes, with parentheses where `as` would label the count", async () => {
    await expectFormat(
      "model m { repeat layers as encoder { } repeat (count(x)) as s { } repeat count(x) as s { } }",
      src`
        model m {
          repeat layers as encoder {}
          repeat (count(x)) as s {}
          repeat count(x) as s {}
        }
      `,
    );
  });
});

describe("expressions", () => {
  it("spaces commas, named arguments and operators", async () => {
    await expectFormat(
      "model m { x=x+attention(layernorm(x,eps=eps),heads,causal)*2/d-1 }",
      src`
        model m {
          x = x + (attention(layernorm(x, eps = eps), heads, causal) * 2) / d - 1
        }
      `,
    );
  });

  it("keeps parentheses where a division meets a product, for the reader", async () => {
    await expectFormat(
      "model m { dims { n = (image / patch) * (image / patch) + 1, m = a * b * c, k = a / b / c } }",
      src`
        model m {
          dims { n = (image / patch) * (image / patch) + 1, m = a * b * c, k = a / b / c }
        }
      `,
    );
  });

  it("breaks a call that does not fit into one argument per line", async () => {
    await expectFormat(
      "model m { x = x + attention(layernorm(x, eps = eps), heads, causal, rope = rope_base, window = sliding_window_size) }",
      src`
        model m {
          x = x + attention(
            layernorm(x, eps = eps),
            heads,
            causal,
            rope = rope_base,
            window = sliding_window_size
          )
        }
      `,
    );
  });

  it("keeps the parentheses the tree needs and drops the others", async () => {
    await expectFormat(
      "model m { a = x - (y - z) b = (x * y) + z c = (x + y) * z d = x / (y * z) e = ((x)) f = x + (y + z) g = (x - y) - z }",
      src`
        model m {
          a = x - (y - z)
          b = x * y + z
          c = (x + y) * z
          d = x / (y * z)
          e = x
          f = x + (y + z)
          g = x - y - z
        }
      `,
    );
  });

  it("prints negation with parentheses around operators and nested negation", async () => {
    await expectFormat(
      "model m { a = -(x + y) b = - - x c = x - -y d = -x * y e = -(x * y) }",
      src`
        model m {
          a = -(x + y)
          b = -(-x)
          c = x - -y
          d = -x * y
          e = -(x * y)
        }
      `,
    );
  });

  it("prints numbers as written and strings in JSON form", async () => {
    await expectFormat(
      String.raw`model m { a = f(1e-5, 50_257, 3.0E+2, 0.5, "a\/b", "caf\u00e9", "tab\t", true, false) }`,
      src`
        model m {
          a = f(1e-5, 50_257, 3.0E+2, 0.5, "a/b", "café", "tab\t", true, false)
        }
      `,
    );
  });
});

describe("syntax errors", () => {
  it("come back as the parser's diagnostics, never thrown", async () => {
    const result = await formatSpec("model m {\n  x = f(1,, 2)\n}\n", "bad.loom");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0]).toMatchObject({ code: "E0102", span: { file: "bad.loom" } });
  });
});
