/**
 * Weight maps, value by value: a TensorFlow-style checkpoint (scope names, [in, out] kernels, a
 * fused q | k | v kernel, 1x1 convolution kernels [1, 1, in, out]) is written with each tensor's
 * element k holding base + k, so every Loom weight the map makes has values that can be worked
 * out by hand: a transposed [in, out] kernel gives W[o][i] = base + i·out + o.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import { parseWeightMap } from "../../src/formats/weights/map/parse.ts";
import { runTransforms } from "../../src/formats/weights/map/transforms.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { codes, specIr } from "./helpers.ts";
import { counting, tfCheckpoint } from "./map-cases.ts";

const SPEC = "test/weights/maps/tf-tiny.loom";
const MAP = "test/weights/maps/tf-tiny.weightmap.json";
const ir = specIr(SPEC);
const map = parseWeightMap(readFileSync(MAP, "utf8"), MAP).map!;

function load(tensors: Map<string, Tensor> = tfCheckpoint()) {
  return loadWeights(ir, "tf.safetensors", writeSafetensors(tensors), { weightMap: map });
}

/** Row `r` of a [rows, cols] weight. */
function row(t: Tensor, r: number): number[] {
  const cols = t.shape[1]!;
  return [...t.data.subarray(r * cols, (r + 1) * cols)];
}

describe("weight map: TensorFlow names, [in, out], fused qkv, 1x1 convolutions", () => {
  const loaded = load();
  const w = (name: string) => loaded.weights!.get(name)!;

  it("binds every weight with no diagnostic", () => {
    expect(loaded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(loaded.layout).toBe("loom");
    // tok 1, attention q k v o 8, mlp 4, two layernorms 4.
    expect(loaded.weights!.size).toBe(17);
  });

  it("splits the fused [in, 3d] kernel by columns and transposes each part", () => {
    // kernel[i][c] = 12 i + c; q = columns 0..3, k = 4..7, v = 8..11; W[o][i] = kernel[i][offset + o].
    expect(w("encoder.0.attention.q.weight").shape).toEqual([4, 4]);
    expect(row(w("encoder.0.attention.q.weight"), 0)).toEqual([0, 12, 24, 36]);
    expect(row(w("encoder.0.attention.q.weight"), 3)).toEqual([3, 15, 27, 39]);
    expect(row(w("encoder.0.attention.k.weight"), 0)).toEqual([4, 16, 28, 40]);
    expect(row(w("encoder.0.attention.v.weight"), 1)).toEqual([9, 21, 33, 45]);
    expect(row(w("encoder.0.attention.v.weight"), 3)).toEqual([11, 23, 35, 47]);
  });

  it("splits the fused bias in three", () => {
    expect([...w("encoder.0.attention.q.bias").data]).toEqual([200, 201, 202, 203]);
    expect([...w("encoder.0.attention.k.bias").data]).toEqual([204, 205, 206, 207]);
    expect([...w("encoder.0.attention.v.bias").data]).toEqual([208, 209, 210, 211]);
  });

  it("squeezes and transposes 1x1 convolution kernels [1, 1, in, out]", () => {
    // o: kernel[0][0][i][o] = 100 + 4 i + o.
    expect(row(w("encoder.0.attention.o.weight"), 0)).toEqual([100, 104, 108, 112]);
    expect(row(w("encoder.0.attention.o.weight"), 3)).toEqual([103, 107, 111, 115]);
    // up: [1, 1, 4, 8] → [8, 4], W[o][i] = 400 + 8 i + o.
    expect(w("encoder.0.mlp.up.weight").shape).toEqual([8, 4]);
    expect(row(w("encoder.0.mlp.up.weight"), 0)).toEqual([400, 408, 416, 424]);
    expect(row(w("encoder.0.mlp.up.weight"), 7)).toEqual([407, 415, 423, 431]);
    // down: [1, 1, 8, 4] → [4, 8], W[o][i] = 600 + 4 i + o.
    expect(row(w("encoder.0.mlp.down.weight"), 1)).toEqual([
      601, 605, 609, 613, 617, 621, 625, 629,
    ]);
  });

  it("copies what a rule only renames, TensorFlow scope names to Loom names", () => {
    expect(row(w("tok.weight"), 9)).toEqual([1036, 1037, 1038, 1039]);
    expect([...w("encoder.0.attention.o.bias").data]).toEqual([300, 301, 302, 303]);
    expect([...w("encoder.0.mlp.up.bias").data]).toEqual([500, 501, 502, 503, 504, 505, 506, 507]);
    expect([...w("encoder.0.layernorm.weight").data]).toEqual([800, 801, 802, 803]);
    expect([...w("encoder.0.layernorm_1.bias").data]).toEqual([830, 831, 832, 833]);
  });

  it("reports a tensor no rule makes into a weight, as an error when the map says so", () => {
    const tensors = tfCheckpoint();
    tensors.set("global_step:0", counting([1], 0));
    const result = load(tensors);
    expect(codes(result.diagnostics)).toEqual(["E0515"]);
    expect(result.diagnostics[0]!.message).toContain("`global_step:0`");
    expect(result.weights).toBeUndefined();
  });

  it("reports a non-finite value once, naming every weight the fused tensor feeds", () => {
    const tensors = tfCheckpoint();
    tensors.get("encoder/layer_0/attention/qkv/kernel:0")!.data[5] = NaN;
    const result = load(tensors);
    expect(codes(result.diagnostics)).toEqual(["E0509"]);
    expect(result.diagnostics[0]!.message).toBe(
      "tensor `encoder/layer_0/attention/qkv/kernel:0` (for `encoder.0.attention.q.weight`, `encoder.0.attention.k.weight`, `encoder.0.attention.v.weight`) has 1 non-finite value: expected finite numbers, found NaN at index 5",
    );
  });

  it("reports a missing tensor as E0505 under the name the map would give", () => {
    const tensors = tfCheckpoint();
    tensors.delete("encoder/layer_0/ln_2/beta:0");
    const result = load(tensors);
    expect(codes(result.diagnostics)).toEqual(["W0516", "E0505"]);
    expect(result.diagnostics[1]!.message).toContain("`encoder.0.layernorm_1.bias`");
  });
});

describe("transforms on shapes and values", () => {
  it("transposes any rank: [2, 3, 4] by [2, 0, 1] is [4, 2, 3]", () => {
    const t = counting([2, 3, 4], 0);
    const out = runTransforms(t, [{ transpose: [2, 0, 1] }]);
    if (!("values" in out)) throw new Error(out.error);
    const [v] = out.values;
    expect(v!.shape).toEqual([4, 2, 3]);
    // out[a][b][c] = in[b][c][a] = 12 b + 4 c + a; out[1][1][2] = 12 + 8 + 1.
    expect(v!.data![1 * 6 + 1 * 3 + 2]).toBe(21);
  });

  it("reshapes with an inferred axis, and splits by given sizes (grouped kv)", () => {
    const out = runTransforms(counting([8, 2], 0), [
      { split: { axis: 0, parts: ["q", "k", "v"], sizes: [4, 2, 2] } },
      { reshape: [-1] },
    ]);
    if (!("values" in out)) throw new Error(out.error);
    expect(out.values.map((v) => [v.part, v.shape, [...v.data!]])).toEqual([
      ["q", [8], [0, 1, 2, 3, 4, 5, 6, 7]],
      ["k", [4], [8, 9, 10, 11]],
      ["v", [4], [12, 13, 14, 15]],
    ]);
  });

  it("says why a transform cannot apply", () => {
    expect(runTransforms({ shape: [2, 3] }, [{ squeeze: [0] }])).toEqual({
      step: 0,
      error: "squeeze axis 0 of [2, 3] has size 2, not 1",
    });
    expect(
      runTransforms({ shape: [10] }, [{ split: { axis: 0, parts: ["a", "b", "c"] } }]),
    ).toEqual({
      step: 0,
      error: "split axis 0 of [10] (size 10) into 3 equal parts",
    });
    expect(runTransforms({ shape: [2, 3] }, [{ reshape: [4, -1] }])).toEqual({
      step: 0,
      error: "reshape [4, -1] does not hold the 6 elements of [2, 3]",
    });
  });
});
