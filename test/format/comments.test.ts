import { describe, it } from "vitest";
import { expectFormat, src } from "./helpers.ts";

describe("comments stay where they were written", () => {
  it("keeps own-line comments before statements and items, and a blank line after them", async () => {
    await expectFormat(
      src`
        // file header

        // about the model
        model m {
            // first
          x = a

          /* before y */
          y = b
        }
      `,
      src`
        // file header

        // about the model
        model m {
          // first
          x = a

          /* before y */
          y = b
        }
      `,
    );
  });

  it("keeps trailing comments at the end of their line", async () => {
    await expectFormat(
      "model m {\n  x = a   // why a\n  y = b /* and b */\n}  // done\n",
      src`
        model m {
          x = a // why a
          y = b /* and b */
        } // done
      `,
    );
  });

  it("keeps block comments inside expressions in place", async () => {
    await expectFormat(
      "model m { x = f(/* first */ a, b /* second */) + /* third */ c }",
      src`
        model m {
          x = f(/* first */ a, b /* second */) + /* third */ c
        }
      `,
    );
  });

  it("keeps comments at the end of a body, before its `}`", async () => {
    await expectFormat(
      src`
        model m {
          repeat n {
            x = a
            // end of repeat
          }

          // end of model
        }
      `,
      src`
        model m {
          repeat n {
            x = a
            // end of repeat
          }

          // end of model
        }
      `,
    );
  });

  it("keeps comments at the end of the file", async () => {
    await expectFormat("model m {}\n// one\n\n\n/* two */\n", "model m {}\n// one\n\n/* two */\n");
  });

  it("keeps a file of only comments", async () => {
    await expectFormat("\n\n// one\n\n\n// two\n/* three */", "// one\n\n// two\n/* three */\n");
  });

  it("keeps a comment on the line of a body's `{`", async () => {
    await expectFormat(
      "block b(x) { // the block\n  return x\n}\nmodel m { repeat n // count\n { x = a } }",
      src`
        block b(x) { // the block
          return x
        }

        model m {
          repeat n { // count
            x = a
          }
        }
      `,
    );
  });

  it("keeps comments inside empty bodies, dims and argument lists", async () => {
    await expectFormat(
      "model m {\n  repeat n {\n    // later\n  }\n  dims { /* none */ }\n  x = f(/* none */)\n  y = g(\n  // none\n  )\n}\nblock b() { /* todo */ }\n",
      src`
        model m {
          repeat n {
            // later
          }
          dims { /* none */ }
          x = f(/* none */)
          y = g(
            // none
          )
        }

        block b() {
          /* todo */
        }
      `,
    );
  });

  it("keeps comments inside dims, breaking them one per line", async () => {
    await expectFormat(
      "model m { dims { vocab = 50257, // GPT-2 BPE\n ctx = 1024 } }",
      src`
        model m {
          dims {
            vocab = 50257 // GPT-2 BPE
            ctx = 1024
          }
        }
      `,
    );
    await expectFormat(
      "model m { dims {\n  // sizes\n  vocab = 50257, ctx = 1024\n  // end\n} }",
      src`
        model m {
          dims {
            // sizes
            vocab = 50257
            ctx = 1024
            // end
          }
        }
      `,
    );
  });

  it("keeps comments inside argument lists, breaking them one per line", async () => {
    await expectFormat(
      "model m { x = mlp(h, // input\n  hidden, act = gelu) }",
      src`
        model m {
          x = mlp(
            h, // input
            hidden,
            act = gelu
          )
        }
      `,
    );
    await expectFormat(
      "model m { x = mlp(\n  // the input\n  h,\n  hidden\n  // no activation\n) }",
      src`
        model m {
          x = mlp(
            // the input
            h,
            hidden
            // no activation
          )
        }
      `,
    );
  });

  it("keeps comments inside parameter lists and input shapes", async () => {
    await expectFormat(
      "block b(x, // the input\n heads) { return x }\nmodel m { input t: int[batch, /* up to ctx */ seq <= ctx] }",
      src`
        block b(
          x, // the input
          heads
        ) {
          return x
        }

        model m {
          input t: int[batch, /* up to ctx */ seq <= ctx]
        }
      `,
    );
  });

  it("moves a `//` comment inside an expression to the end of its line", async () => {
    await expectFormat(
      "model m {\n  y = a + // the residual\n    b\n  z = c\n}\n",
      src`
        model m {
          y = a + b // the residual
          z = c
        }
      `,
    );
  });

  it("keeps comments inside parentheses inside them", async () => {
    await expectFormat(
      "model m { x = (a + b /* sum */) * (/* scale */ c - d) }",
      src`
        model m {
          x = (a + b /* sum */) * (/* scale */ c - d)
        }
      `,
    );
  });

  it("keeps a comment that hugs the item above with that item", async () => {
    await expectFormat(
      "model a {}\n// still about a\n\nmodel b {}\n// about c\nmodel c {}\n",
      src`
        model a {}
        // still about a

        model b {}

        // about c
        model c {}
      `,
    );
  });

  it("keeps multi-line block comments verbatim and trims `//` comments' trailing spaces", async () => {
    await expectFormat(
      "model m {\n      /* one\n         two */\n  x = a // note   \n}\n",
      "model m {\n  /* one\n         two */\n  x = a // note\n}\n",
    );
  });
});
