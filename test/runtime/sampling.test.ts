import { describe, expect, it } from "vitest";
import { argmax, Sampler, samplingDistribution } from "../../src/runtime/sampling.ts";

describe("sampling", () => {
  // logits ln(1), ln(2), ln(3), ln(4): softmax at temperature 1 is 0.1, 0.2, 0.3, 0.4.
  const logits = [0, Math.log(2), Math.log(3), Math.log(4)];

  it("greedy picks the largest logit, the first on ties", () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    expect(new Sampler().next(logits)).toBe(3);
  });

  it("temperature 1 gives the softmax", () => {
    const d = samplingDistribution(logits, { temperature: 1 });
    expect(d.map(([t]) => t)).toEqual([3, 2, 1, 0]);
    expect(d.map(([, p]) => p)).toEqual([0.4, 0.3, 0.2, 0.1].map((p) => expect.closeTo(p, 12)));
  });

  it("temperature 0.5 squares the odds: 16:9:4:1 over 30", () => {
    const d = samplingDistribution(logits, { temperature: 0.5 });
    expect(d.map(([, p]) => p)).toEqual([16, 9, 4, 1].map((w) => expect.closeTo(w / 30, 12)));
  });

  it("top-k 2 keeps 0.4 and 0.3, renormalised to 4/7 and 3/7", () => {
    const d = samplingDistribution(logits, { temperature: 1, topK: 2 });
    expect(d).toEqual([
      [3, expect.closeTo(4 / 7, 12)],
      [2, expect.closeTo(3 / 7, 12)],
    ]);
  });

  it("top-p 0.65 keeps the nucleus 0.4 + 0.3 (first mass ≥ 0.65)", () => {
    const d = samplingDistribution(logits, { temperature: 1, topP: 0.65 });
    expect(d.map(([t]) => t)).toEqual([3, 2]);
  });

  it("sampling is seeded: the same seed gives the same tokens, frequencies follow the distribution", () => {
    const draw = (seed: number) => {
      const s = new Sampler({ temperature: 1, seed });
      return Array.from({ length: 4000 }, () => s.next(logits));
    };
    expect(draw(7)).toEqual(draw(7));
    const counts = [0, 0, 0, 0];
    for (const t of draw(7)) counts[t]!++;
    // Binomial standard deviation at n = 4000, p = 0.4 is about 31; allow 5 of them.
    [0.1, 0.2, 0.3, 0.4].forEach((p, t) =>
      expect(Math.abs(counts[t]! - 4000 * p)).toBeLessThan(160),
    );
  });
});
