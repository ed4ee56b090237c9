/**
 * `seq <= N truncate`: inputs longer than the bound are cut to it, and the caller is told; an input
 * too short for a slice is refused by name.
 */
import { expect, it } from "vitest";
import { assembleInputs, InputError } from "../../src/api/inputs.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import { formatSpec } from "../../src/compiler/format/format.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";

const spec = (bound: string) => `model clipped {
  dims { vocab = 16, d = 8 }
  input tokens: int[batch, ${bound}]
  input mask: bool[batch, seq]
  x = embed(tokens, vocab, d)
  output pooled = mean_pool(attention(x, 2, padding = mask), padding = mask)
}
`;
const ir = (bound: string) => {
  const checked = checkSpec("clipped.loom", () => spec(bound));
  expect(checked.diagnostics).toEqual([]);
  return checked.models[0]!.ir!;
};
const ids = (n: number) => ({
  shape: [2, n],
  data: Float64Array.from({ length: 2 * n }, (_, i) => i % 16),
});
const ones = (n: number) => ({ shape: [2, n], data: new Float64Array(2 * n).fill(1) });

it("keeps the first N positions of every input on that axis and says so", () => {
  const model = ir("seq <= 4 truncate");
  expect(model.symbols.find((s) => s.name === "seq")).toMatchObject({ bound: 4, truncate: true });
  const notes: string[] = [];
  const cut = assembleInputs(model, { tokens: ids(6), mask: ones(6) }, undefined, (n) =>
    notes.push(n),
  );
  expect(cut["tokens"]!.shape).toEqual([2, 4]);
  expect(Array.from(cut["tokens"]!.data)).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
  expect(cut["mask"]!.shape).toEqual([2, 4]);
  expect(notes).toEqual([
    "input `tokens` has 6 positions on `seq`; kept the first 4 (`seq <= 4 truncate`)",
    "input `mask` has 6 positions on `seq`; kept the first 4 (`seq <= 4 truncate`)",
  ]);
  // The model sees exactly what it would see had it been given the first four tokens.
  const first4 = { shape: [2, 4], data: Float64Array.from([0, 1, 2, 3, 6, 7, 8, 9]) };
  const weights = initWeights(model, 3);
  const reference = new ReferenceExecutor(model, weights);
  expect(reference.run(cut)["pooled"]).toEqual(
    reference.run({ tokens: first4, mask: ones(4) })["pooled"],
  );
});

it("without truncate, a longer input is still refused", () => {
  expect(() => assembleInputs(ir("seq <= 4"), { tokens: ids(6), mask: ones(6) })).toThrow(
    new InputError("input `tokens` has 6 positions on `seq`, above its bound seq <= 4"),
  );
});

it("formats and parses back", async () => {
  const out = await formatSpec(spec("seq<=4   truncate"), "clipped.loom");
  expect(out).toEqual({ ok: true, formatted: spec("seq <= 4 truncate") });
});

it("refuses an input too short for a slice that drops positions", () => {
  const checked = checkSpec(
    "tail.loom",
    () => `model tail {
  dims { vocab = 16, d = 8 }
  input tokens: int[batch, seq <= 8]
  output rest = slice(embed(tokens, vocab, d), seq, 2)
}`,
  );
  const model = checked.models[0]!.ir!;
  expect(assembleInputs(model, { tokens: ids(3) })["tokens"]!.shape).toEqual([2, 3]);
  expect(() => assembleInputs(model, { tokens: ids(2) })).toThrow(
    new InputError(
      "the input is too short for `slice`: with seq = 2 its axis `seq - 2` would have 0 positions",
    ),
  );
});
