import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const mnist = createRequire(import.meta.url)("mnist") as Record<
  number,
  { get(i: number): number[] }
>;
const dir = mkdtempSync(join(tmpdir(), "loom-png-"));

/** A 28×28 PNG of an MNIST digit (white on black), scaled up `scale` times. */
function digitPng(digit: number, index: number, scale = 1): string {
  const pixels = mnist[digit]!.get(index);
  const side = 28 * scale;
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = Math.round(pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)]! * 255);
      png.data.set([v, v, v, 255], (y * side + x) * 4);
    }
  }
  const path = join(dir, `digit-${digit}-${index}-${scale}.png`);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

async function classify(png: string, backend: string) {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: (s: string) => (stdout += s),
    stderr: (s: string) => (stderr += s),
    isTty: false,
  };
  const code = await main(
    [
      "run",
      "specs/tiny-vit-mnist.loom",
      "--weights",
      "weights/tiny-vit-mnist.safetensors",
      "--image",
      png,
      "--backend",
      backend,
    ],
    io,
  );
  const top = /class probabilities \(softmax\), top \d+:\n\s+(\d+)/.exec(stdout);
  return { code, stderr, predicted: top ? Number(top[1]) : undefined };
}

describe("loom run --image", () => {
  it("classifies MNIST test digits from PNG files with the trained ViT, the same on the CPU and on WebGPU", async () => {
    // Held-out digits (index 900 of each class, in the test split); the model is ~96% accurate,
    // so at least 9 of the 10 labels must come out, and both backends must agree on every one.
    let correct = 0;
    for (let digit = 0; digit < 10; digit++) {
      const png = digitPng(digit, 900);
      const cpu = await classify(png, "cpu");
      const gpu = await classify(png, "webgpu");
      expect(gpu.predicted).toBe(cpu.predicted);
      if (cpu.predicted === digit) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(9);
  });

  it("resamples an image of another size, and says so", async () => {
    const original = await classify(digitPng(7, 901), "cpu");
    const result = await classify(digitPng(7, 901, 2), "cpu");
    expect(result.stderr).toContain("56×56; resampled to 28×28");
    expect(result.predicted).toBe(original.predicted);
  });

  it("refuses a file that is not a PNG, and a model with no image input", async () => {
    const bad = join(dir, "bad.png");
    writeFileSync(bad, "not a png");
    expect((await classify(bad, "cpu")).code).toBe(2);
    let stderr = "";
    const io = { stdout: () => {}, stderr: (s: string) => (stderr += s), isTty: false };
    expect(await main(["run", "specs/tiny-gpt.loom", "--image", bad, "--backend", "cpu"], io)).toBe(
      2,
    );
    expect(stderr).toContain("no image input");
  });
});
