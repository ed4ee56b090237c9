import { describe, expect, it } from "vitest";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { tensor } from "../../src/contracts/tensor.ts";
import { mnistSplit } from "../../training/data.ts";
import { argmax, loadTrained } from "./helpers.ts";

const model = loadTrained("specs/tiny-vit-mnist.loom", "weights/tiny-vit-mnist.safetensors");
const COUNT = 500;
const BATCH = 50;

describe("tiny-vit-mnist: trained ViT", () => {
  it(`classifies the first ${COUNT} test digits at least 92% right, as PyTorch did`, () => {
    const digits = mnistSplit().test.slice(0, COUNT);
    const executor = new ReferenceExecutor(model.ir, model.weights);
    const predictions: number[] = [];
    for (let i = 0; i < COUNT; i += BATCH) {
      const batch = digits.slice(i, i + BATCH);
      const pixels = tensor(
        [batch.length, 1, 28, 28],
        batch.flatMap((d) => d.pixels),
      );
      const { logits } = executor.run({ pixels });
      batch.forEach((_, b) => predictions.push(argmax(logits!.data, b * 10, 10)));
    }
    const correct = predictions.filter((p, i) => p === digits[i]!.label).length;
    expect(correct / COUNT).toBeGreaterThanOrEqual(0.92);
    expect(correct / COUNT).toBeCloseTo(Number(model.metadata["training.test500_accuracy"]), 4);
    // Digit by digit, Loom's float64 forward pass agrees with PyTorch's.
    expect(predictions.join("")).toBe(model.metadata["training.test500_predictions"]);
  });
});
