/**
 * The sentence encoder trained here (training/train_sentence_encoder.py) embeds as PyTorch did:
 * the first 8 held-out passages of examples/moby-passages.json through Loom's tokenizer give the
 * ids training fed, and their embeddings (one padded batch) equal PyTorch's
 * (test/trained/fixtures/, from training/sentence_encoder_reference.py) on the CPU reference and
 * on WebGPU; batching, padding and truncation leave a text's embedding unchanged.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedSentences, rankBySimilarity } from "../../src/api/embed.ts";
import { loadModel, type LoadedModel } from "../../src/api/model.ts";
import { openOnDevice } from "../../src/api/device.ts";
import type { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import { mobyDickPassages } from "../../training/data.ts";

const fixture = JSON.parse(
  readFileSync("test/trained/fixtures/tiny-sentence-encoder.json", "utf8"),
) as { ids: number[][]; embeddings: number[][] };
const passages = (
  JSON.parse(readFileSync("examples/moby-passages.json", "utf8")) as string[]
).slice(0, fixture.ids.length);

let model: LoadedModel;
let device: WebGpuModel;
beforeAll(async () => {
  model = loadModel("specs/tiny-sentence-encoder.loom", {
    weights: "weights/tiny-sentence-encoder.safetensors",
    layout: "loom",
  });
  device = await openOnDevice(model);
}, 120_000);
afterAll(() => device?.destroy());

function maxDifference(a: readonly Float32Array[], b: readonly number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}

describe("the trained sentence encoder", () => {
  it("searches the held-out passages training held out (examples/moby-passages.json is current)", () => {
    const all = JSON.parse(readFileSync("examples/moby-passages.json", "utf8")) as string[];
    expect(all).toEqual(mobyDickPassages().heldOut.map((p) => p.sentences.join(" ")));
  });

  it("tokenizes the held-out passages as training did", () => {
    expect(passages.map((p) => cut(model.tokenizer!.encode(p)))).toEqual(fixture.ids);
  });

  it("embeds as PyTorch did, on the CPU reference and on WebGPU, in one padded batch", async () => {
    const cpu = await embedSentences(model, passages);
    const gpu = await embedSentences(model, passages, { device });
    console.log(
      `max |Loom − PyTorch|: CPU reference ${maxDifference(cpu.vectors, fixture.embeddings).toExponential(2)}, WebGPU ${maxDifference(gpu.vectors, fixture.embeddings).toExponential(2)}`,
    );
    expect(maxDifference(cpu.vectors, fixture.embeddings)).toBeLessThan(1e-5);
    expect(maxDifference(gpu.vectors, fixture.embeddings)).toBeLessThan(1e-4);
    expect(cpu.truncated).toEqual(fixture.ids.flatMap((ids, i) => (ids.length === 128 ? [i] : [])));
  });

  it("gives a text the same embedding alone as in a batch, and ranks a passage first for itself", async () => {
    const batch = await embedSentences(model, passages.slice(0, 3));
    const alone = await embedSentences(model, [passages[2]!]);
    expect(maxDifference(alone.vectors, [Array.from(batch.vectors[2]!)])).toBeLessThan(1e-6);
    expect(rankBySimilarity(alone.vectors[0]!, batch.vectors)[0]).toMatchObject({ index: 2 });
    expect(rankBySimilarity(alone.vectors[0]!, batch.vectors)[0]!.score).toBeCloseTo(1, 6);
  });
});

/** What embedSentences feeds for a text over 128 ids: the first 127 and the final [SEP]. */
function cut(ids: number[]): number[] {
  return ids.length <= 128 ? ids : [...ids.slice(0, 127), ids[ids.length - 1]!];
}
