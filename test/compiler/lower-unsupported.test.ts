/** An op the WebGPU lowering cannot run is the coded E0620, never another op's kernel. */
import { expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";

it("a [batch] value over the trailing axes of [batch, seq, d] is E0620 at lowering", () => {
  const checked = checkSpec(
    "spread.loom",
    () => `model spread {
  dims { vocab = 16, d = 8 }
  input ids: int[batch, seq <= 8]
  x = embed(ids, vocab, d)
  output y = x / sum(sum(x, seq), -1)
}`,
  );
  expect(checked.diagnostics).toEqual([]);
  const lowered = lowerToPlan(checked.models[0]!.ir!);
  expect(lowered.plan).toBeUndefined();
  expect(lowered.diagnostics.map((d) => [d.code, d.message])).toEqual([
    ["E0620", "no kernel broadcasts [batch] over the trailing axes of [batch, seq, 8] yet"],
  ]);
});
