/** The seeded initialiser: deterministic bytes, the documented scheme, a portable PRNG. */
import { describe, expect, it } from "vitest";
import { declaredWeights, type DeclaredWeight } from "../../src/formats/weights/declared.ts";
import { initChunks, initRule, initWeights } from "../../src/formats/weights/init.ts";
import { Mulberry32, NormalStream, portableLn, tensorSeed } from "../../src/contracts/random.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { specIr } from "./helpers.ts";

describe("PRNG", () => {
  it("mulberry32 matches the reference implementation", () => {
    // mulberry32(1)() is 0.6270739405881613 in the original JavaScript, i.e. 2693262067 / 2^32.
    expect(new Mulberry32(1).nextU32()).toBe(2693262067);
  });

  it("the portable logarithm agrees with Math.log to a few ulps", () => {
    let worst = 0;
    for (let i = 1; i <= 20000; i++) {
      const x = Math.exp((i - 10000) / 50);
      worst = Math.max(
        worst,
        Math.abs(portableLn(x) - Math.log(x)) / Math.max(1, Math.abs(Math.log(x))),
      );
    }
    for (const x of [2 ** -1074, 2 ** -1022, 0.5, 1, 1 + 2 ** -52, 2, 1e300]) {
      expect(portableLn(x)).toBeCloseTo(Math.log(x), 12);
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it("normals have mean 0 and variance 1", () => {
    const stream = new NormalStream(123);
    const n = 200000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const z = stream.next();
      sum += z;
      squares += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.01);
  });

  it("a tensor's stream depends on the seed and the name", () => {
    expect(tensorSeed(1, "a.weight")).toBe(tensorSeed(1, "a.weight"));
    expect(tensorSeed(1, "a.weight")).not.toBe(tensorSeed(2, "a.weight"));
    expect(tensorSeed(1, "a.weight")).not.toBe(tensorSeed(1, "b.weight"));
  });
});

describe("initWeights", () => {
  const ir = specIr("specs/tiny-llama.loom");

  it("the same seed gives the same bytes; another seed other bytes", () => {
    const a = writeSafetensors(initWeights(ir, 7), { dtype: "f32" });
    const b = writeSafetensors(initWeights(ir, 7), { dtype: "f32" });
    const c = writeSafetensors(initWeights(ir, 8), { dtype: "f32" });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length).toBe(c.length);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("pins the values of seed 42 (they must not change between versions or machines)", () => {
    const weight = {
      name: "pin.weight",
      shape: [6],
      node: { op: "linear" },
      weight: { name: "weight", shape: [6] },
    } as unknown as DeclaredWeight;
    expect([...[...initChunks(42, weight)][0]!]).toEqual([
      0.007307618429732272, 0.02669983999752386, -0.04489589714842797, 0.0018261704677861271,
      0.0010036546849198707, 0.01245234542954707,
    ]);
  });

  it("does not depend on chunking", () => {
    const weight = declaredWeights(ir).find((w) => w.name === "embed_tokens.weight")!;
    const whole = [...initChunks(3, weight, 1 << 30)][0]!;
    const pieces = [...initChunks(3, weight, 1000)];
    expect(pieces.length).toBe(Math.ceil(whole.length / 1000));
    expect(Float64Array.from(pieces.flatMap((p) => [...p]))).toEqual(whole);
  });

  it("norm weights are 1, biases 0, everything else N(0, 0.02²)", () => {
    const gpt = specIr("specs/tiny-gpt.loom");
    const weights = initWeights(gpt, 1);
    for (const w of declaredWeights(gpt)) {
      const data = weights.get(w.name)!.data;
      const rule = initRule(w);
      if (w.node.op === "layernorm" && w.weight.name === "weight") {
        expect(rule).toEqual({ kind: "constant", value: 1 });
        expect(data.every((v) => v === 1)).toBe(true);
      } else if (w.weight.name.endsWith("bias")) {
        expect(data.every((v) => v === 0)).toBe(true);
      } else {
        expect(rule).toEqual({ kind: "normal", std: 0.02 });
        if (data.length >= 4096) {
          const mean = data.reduce((a, b) => a + b, 0) / data.length;
          const std = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
          expect(Math.abs(mean)).toBeLessThan(0.002);
          expect(Math.abs(std - 0.02)).toBeLessThan(0.001);
        }
      }
    }
  });

  it("gives every declared weight its declared shape, and no tied copies", () => {
    const t5 = specIr("specs/tiny-t5.loom");
    const weights = initWeights(t5, 0);
    expect([...weights.keys()]).toEqual(declaredWeights(t5).map((w) => w.name));
    for (const w of declaredWeights(t5)) expect(weights.get(w.name)!.shape).toEqual(w.shape);
    expect(weights.has("lm_head.weight")).toBe(false);
  });

  it("refuses a seed that is not a u32", () => {
    expect(() => initWeights(ir, -1)).toThrow(RangeError);
    expect(() => initWeights(ir, 1.5)).toThrow(RangeError);
    expect(() => initWeights(ir, 2 ** 32)).toThrow(RangeError);
  });
});
