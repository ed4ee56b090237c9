/**
 * Property: every generated valid model (valid-spec.ts) checks with no errors and no warnings,
 * and every model's typed IR satisfies the TypedIr schema.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { renderPretty } from "../../src/contracts/diagnostics/render.ts";
import { TypedIr } from "../../src/contracts/ir/schema.ts";
import { validSpec } from "./valid-spec.ts";

it("valid models check clean and have a typed IR that parses", () => {
  fc.assert(
    fc.property(validSpec, ({ plan, text }) => {
      const result = checkSpec("generated.loom", () => text);
      const rendered = renderPretty(result.diagnostics, result.sources, { color: false });
      expect(rendered, `${text}\n`).toBe("");
      expect(result.models.map((m) => m.name)).toEqual([plan.name]);
      for (const model of result.models) {
        expect(model.ir, `no typed IR for ${model.name}`).toBeDefined();
        const parsed = TypedIr.safeParse(model.ir);
        expect(parsed.success, parsed.error?.message).toBe(true);
      }
    }),
    { numRuns: 200 },
  );
});

it("the generator reaches every family", () => {
  const families = new Set(
    fc.sample(validSpec, { numRuns: 200, seed: 1 }).map((s) => s.plan.family),
  );
  expect([...families].sort()).toEqual(["decoder", "encoder", "encoder_decoder", "moe", "vit"]);
});
