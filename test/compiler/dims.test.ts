import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Dim,
  dimAdd,
  dimConst,
  dimDivExact,
  dimEquals,
  dimEvaluate,
  dimFromJson,
  dimMul,
  dimStatic,
  dimSub,
  dimSym,
  dimSymbols,
  dimToJson,
  dimUpperBound,
  formatDim,
} from "../../src/contracts/dims.ts";

const batch = dimSym("batch");
const seq = dimSym("seq");
const srcLen = dimSym("src_len");
const c = dimConst;

/** Parses canonical text in tests, failing loudly on malformed input. */
function dim(text: string): Dim {
  const d = dimFromJson(text);
  if (d === undefined) throw new Error(`bad dim ${text}`);
  return d;
}

const SYMBOLS = ["batch", "seq", "src_len"];

/** Random dims built from symbols and small constants by +, - and *. */
const arbDim: fc.Arbitrary<Dim> = fc.letrec<{ dim: Dim }>((tie) => ({
  dim: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: -6, max: 6 }).map(dimConst),
    fc.constantFrom(...SYMBOLS).map(dimSym),
    fc.tuple(tie("dim"), tie("dim")).map(([a, b]) => dimAdd(a, b)),
    fc.tuple(tie("dim"), tie("dim")).map(([a, b]) => dimSub(a, b)),
    fc.tuple(tie("dim"), tie("dim")).map(([a, b]) => dimMul(a, b)),
  ),
})).dim;

const arbEnv = fc
  .tuple(
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 9 }),
  )
  .map(
    ([b, s, l]) =>
      new Map([
        ["batch", b],
        ["seq", s],
        ["src_len", l],
      ]),
  );

describe("formatDim", () => {
  it("prints canonical text: degree first, then name, constants last", () => {
    expect(formatDim(c(768))).toBe("768");
    expect(formatDim(c(0))).toBe("0");
    expect(formatDim(c(-3))).toBe("-3");
    expect(formatDim(dimAdd(c(1), seq))).toBe("seq + 1");
    expect(formatDim(dimAdd(seq, seq))).toBe("2 * seq");
    expect(formatDim(dimMul(seq, batch))).toBe("batch * seq");
    expect(formatDim(dimSub(seq, c(1)))).toBe("seq - 1");
    expect(formatDim(dimSub(c(1), seq))).toBe("-seq + 1");
    expect(formatDim(dimSub(c(0), dimMul(c(2), seq)))).toBe("-2 * seq");
    expect(formatDim(dimMul(seq, seq))).toBe("seq * seq");
    const mixed = dimAdd(dimAdd(dimMul(c(3), srcLen), dimMul(seq, batch)), dimSub(seq, c(4)));
    expect(formatDim(mixed)).toBe("batch * seq + seq + 3 * src_len - 4");
  });

  it("cancels terms that sum to zero", () => {
    expect(formatDim(dimSub(dimAdd(seq, c(2)), seq))).toBe("2");
    expect(dimStatic(dimSub(dimMul(batch, seq), dimMul(seq, batch)))).toBe(0);
  });
});

describe("dimStatic, dimSymbols, dimEquals", () => {
  it("knows static dims and lists symbols", () => {
    expect(dimStatic(dimMul(c(4), c(192)))).toBe(768);
    expect(dimStatic(seq)).toBeUndefined();
    expect(dimSymbols(dimAdd(dimMul(seq, batch), dimMul(seq, seq)))).toEqual(["batch", "seq"]);
    expect(dimSymbols(c(3))).toEqual([]);
  });

  it("compares polynomials, not the way they were built", () => {
    const a = dimMul(dimAdd(seq, c(1)), dimAdd(seq, c(1)));
    const b = dimAdd(dimAdd(dimMul(seq, seq), dimMul(c(2), seq)), c(1));
    expect(dimEquals(a, b)).toBe(true);
    expect(dimEquals(a, dimAdd(b, c(1)))).toBe(false);
  });

  it("refuses non-integer constants and non-identifier symbols", () => {
    expect(() => dimConst(1.5)).toThrow(RangeError);
    expect(() => dimSym("a b")).toThrow(RangeError);
  });
});

describe("dimDivExact", () => {
  it("divides by a constant only when every coefficient divides", () => {
    expect(formatDim(dimDivExact(c(768), c(12))!)).toBe("64");
    expect(dimDivExact(c(768), c(10))).toBeUndefined();
    expect(formatDim(dimDivExact(dim("4 * seq + 8"), c(4))!)).toBe("seq + 2");
    expect(dimDivExact(dim("4 * seq + 6"), c(4))).toBeUndefined();
    expect(formatDim(dimDivExact(dim("2 * seq"), c(-2))!)).toBe("-seq");
  });

  it("divides by a monomial that divides every term", () => {
    expect(formatDim(dimDivExact(dim("batch * seq"), seq)!)).toBe("batch");
    expect(formatDim(dimDivExact(dim("6 * batch * seq + 3 * seq"), dim("3 * seq"))!)).toBe(
      "2 * batch + 1",
    );
    expect(dimDivExact(dim("batch * seq + 1"), seq)).toBeUndefined();
    expect(dimDivExact(dim("seq * seq"), dim("seq * batch"))).toBeUndefined();
  });

  it("divides by a polynomial only when the quotient is a monomial", () => {
    expect(formatDim(dimDivExact(dim("batch * seq + batch"), dim("seq + 1"))!)).toBe("batch");
    expect(formatDim(dimDivExact(dim("2 * seq + 2"), dim("seq + 1"))!)).toBe("2");
    expect(dimDivExact(dim("seq * seq - 1"), dim("seq + 1"))).toBeUndefined();
    expect(dimDivExact(dim("seq + 2"), dim("seq + 1"))).toBeUndefined();
  });

  it("never divides by zero", () => {
    expect(dimDivExact(seq, c(0))).toBeUndefined();
    expect(dimDivExact(c(0), c(0))).toBeUndefined();
  });

  it("undoes a multiplication by a constant or monomial", () => {
    const arbFactor = fc.oneof(
      fc.integer({ min: 1, max: 6 }).map(dimConst),
      fc.constantFrom(...SYMBOLS).map(dimSym),
    );
    fc.assert(
      fc.property(arbDim, arbFactor, (a, b) => {
        const q = dimDivExact(dimMul(a, b), b);
        return q !== undefined && dimEquals(q, a);
      }),
    );
  });
});

describe("dimEvaluate", () => {
  const env = new Map([
    ["batch", 8],
    ["seq", 1024],
  ]);

  it("evaluates with every symbol bound", () => {
    expect(dimEvaluate(dim("batch * seq - seq + 2"), env)).toBe(8 * 1024 - 1024 + 2);
    expect(dimEvaluate(c(7), new Map())).toBe(7);
  });

  it("is undefined when a symbol is missing", () => {
    expect(dimEvaluate(dim("seq + src_len"), env)).toBeUndefined();
  });
});

describe("dimUpperBound", () => {
  const bounds = new Map<string, number | undefined>([
    ["batch", 16],
    ["seq", 1024],
    ["src_len", undefined],
  ]);

  it("multiplies bounds for positive terms", () => {
    expect(dimUpperBound(dim("batch * seq + 2"), bounds)).toBe(16 * 1024 + 2);
    expect(dimUpperBound(c(5), bounds)).toBe(5);
  });

  it("counts negative terms at their least, where every symbol is 1", () => {
    expect(dimUpperBound(dim("seq - 1"), bounds)).toBe(1023);
    expect(dimUpperBound(dim("2 * seq - batch * seq"), bounds)).toBe(2048 - 1);
    expect(dimUpperBound(dim("4 - src_len"), bounds)).toBe(3);
  });

  it("is undefined when a positive term is unbounded", () => {
    expect(dimUpperBound(dim("src_len + 1"), bounds)).toBeUndefined();
    expect(dimUpperBound(dim("batch * dropout"), bounds)).toBeUndefined();
  });

  it("bounds every value the symbols can take", () => {
    const arbBounds = fc.tuple(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
    );
    fc.assert(
      fc.property(arbDim, arbBounds, arbEnv, (d, [b, s, l], env) => {
        const limits = new Map([
          ["batch", b],
          ["seq", s],
          ["src_len", l],
        ]);
        const inRange = new Map([...env].map(([k, v]) => [k, Math.min(v, limits.get(k)!)]));
        return dimEvaluate(d, inRange)! <= dimUpperBound(d, limits)!;
      }),
    );
  });
});

describe("JSON", () => {
  it("writes numbers for static dims and canonical text otherwise", () => {
    expect(dimToJson(c(768))).toBe(768);
    expect(dimToJson(dimAdd(seq, c(1)))).toBe("seq + 1");
    expect(dimFromJson(768)).toEqual(c(768));
    expect(dimFromJson(1.5)).toBeUndefined();
  });

  it("reads parentheses and unary minus, and rejects malformed text", () => {
    expect(formatDim(dim("(seq + 1) * (seq - 1)"))).toBe("seq * seq - 1");
    expect(formatDim(dim("-(batch - 2)"))).toBe("-batch + 2");
    for (const bad of ["", "seq +", "2 seq", "(seq", "seq)", "seq / 2", "1x"]) {
      expect(dimFromJson(bad), bad).toBeUndefined();
    }
  });

  it("round-trips every dim", () => {
    fc.assert(fc.property(arbDim, (d) => dimEquals(dimFromJson(dimToJson(d))!, d)));
  });
});

describe("algebraic laws", () => {
  it("subtraction undoes addition", () => {
    fc.assert(fc.property(arbDim, arbDim, (a, b) => dimEquals(dimSub(dimAdd(a, b), b), a)));
  });

  it("multiplication is commutative and associative", () => {
    fc.assert(fc.property(arbDim, arbDim, (a, b) => dimEquals(dimMul(a, b), dimMul(b, a))));
    fc.assert(
      fc.property(arbDim, arbDim, arbDim, (a, b, d) =>
        dimEquals(dimMul(dimMul(a, b), d), dimMul(a, dimMul(b, d))),
      ),
    );
  });

  it("multiplication distributes over addition", () => {
    fc.assert(
      fc.property(arbDim, arbDim, arbDim, (a, b, d) =>
        dimEquals(dimMul(a, dimAdd(b, d)), dimAdd(dimMul(a, b), dimMul(a, d))),
      ),
    );
  });

  it("formats deterministically, and equal dims format alike", () => {
    fc.assert(
      fc.property(arbDim, arbDim, (a, b) => {
        expect(formatDim(a)).toBe(formatDim(a));
        expect(formatDim(dimAdd(a, b))).toBe(formatDim(dimAdd(b, a)));
      }),
    );
  });

  it("evaluation is a homomorphism", () => {
    fc.assert(
      fc.property(arbDim, arbDim, arbEnv, (a, b, env) => {
        const x = dimEvaluate(a, env)!;
        const y = dimEvaluate(b, env)!;
        return (
          dimEvaluate(dimAdd(a, b), env) === x + y &&
          dimEvaluate(dimSub(a, b), env) === x - y &&
          dimEvaluate(dimMul(a, b), env) === x * y
        );
      }),
    );
  });
});
