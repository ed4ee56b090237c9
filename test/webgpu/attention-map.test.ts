/**
 * Attention maps computed on the device (src/runtime/webgpu/attention-map.ts) against the CPU
 * reference executor's own softmax probabilities: causal and not, RoPE, GQA and MQA, ALiBi, a
 * cached decoder and an encoder. Tolerance: max |device − reference| ≤ 1e-5 per probability.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { withAttentionMaps } from "../../src/compiler/codegen/attention-map.ts";
import { readAttentionMap } from "../../src/runtime/webgpu/attention-map.ts";
import { acquireNodeDevice, type AcquiredDevice } from "../../src/runtime/webgpu/device.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";

let acquired: AcquiredDevice;
beforeAll(async () => {
  acquired = await acquireNodeDevice();
}, 60_000);
afterAll(() => acquired?.device.destroy());

function typedIr(spec: string): TypedIr {
  const ir = checkSpec(spec, (p) => readFileSync(p, "utf8")).models[0]?.ir;
  if (!ir) throw new Error(`${spec} does not check`);
  return ir;
}

/** Seven token ids, or a smooth image, for the model's one input. */
function inputOf(ir: TypedIr): Record<string, Tensor> {
  const input = ir.inputs[0]!;
  if (input.dtype === "int")
    return { [input.name]: { shape: [1, 7], data: Float64Array.from([3, 9, 1, 14, 5, 9, 2]) } };
  const shape = input.shape.map((d) => (typeof d === "number" ? d : 1));
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    [input.name]: {
      shape,
      data: Float64Array.from({ length: size }, (_, k) => Math.sin(k * 0.37)),
    },
  };
}

describe("attention maps on the device", () => {
  for (const spec of [
    "specs/tiny-gpt.loom",
    "specs/tiny-llama.loom",
    "specs/tiny-gemma.loom",
    "specs/tiny-vit.loom",
    "test/parity/specs/alibi_bloom.loom",
  ]) {
    it(`${spec}: every layer and head equals the reference's probabilities`, async () => {
      const ir = typedIr(spec);
      const weights = initWeights(ir, 7);
      const lowered = lowerToPlan(ir, { target: acquired.kind });
      const maps = withAttentionMaps(ir, lowered.plan!);
      expect(maps.skipped).toEqual([]);
      expect(maps.layers.map((l) => l.node)).toEqual(
        ir.nodes.filter((n) => n.op === "attention").map((n) => n.name),
      );
      const model = await WebGpuModel.load(acquired.device, ir, maps.plan, weights);
      const inputs = inputOf(ir);
      await model.forward(inputs, "outputs");

      const expected = new Map<string, number[][][]>(); // node → [head][query][key]
      const reference = new ReferenceExecutor(ir, weights);
      reference.attentionProbe = (node, batch, query, head, p) => {
        if (batch !== 0) return;
        const heads = expected.get(node) ?? [];
        (heads[head] ??= [])[query] = Array.from(p);
        expected.set(node, heads);
      };
      reference.run(inputs);

      const expectPromptMaps = async (when: string) => {
        for (const layer of maps.layers) {
          const want = expected.get(layer.node)!;
          for (let head = 0; head < layer.heads; head++) {
            const rows = want[head]!;
            const got = await readAttentionMap(model, layer, head, rows.length);
            let worst = 0;
            rows.forEach((row, q) =>
              row.forEach((p, k) => (worst = Math.max(worst, Math.abs(got[q]![k]! - p)))),
            );
            expect(worst, `${layer.node} head ${head}, ${when}`).toBeLessThanOrEqual(1e-5);
          }
        }
      };
      await expectPromptMaps("after the prompt");
      if (lowered.plan!.generation) {
        // A decode step (one new position) leaves the prompt's maps as they were.
        const input = ir.inputs[0]!.name;
        await model.forward(
          { [input]: { shape: [1, 1], data: Float64Array.from([4]) } },
          "outputs",
        );
        await expectPromptMaps("after a decode step");
      }
      model.destroy();
    }, 120_000);
  }
});
