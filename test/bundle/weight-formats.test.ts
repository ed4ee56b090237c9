/**
 * Bundles with packed matmul weights (`--weight-format f16|q8|q4`): what the plan and the manifest
 * record, what a reader gets back, the CPU reference on the unpacked values, lowering again with
 * the recorded formats, and each weight-format diagnostic (E0650–E0653).
 */
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../../src/compiler/bundle/encode.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import { decodeBundle } from "../../src/formats/bundle/read.ts";
import { packMatrix } from "../../src/formats/quantize/index.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { packedWords, type PackedFormat } from "../../src/contracts/weight-format.ts";
import {
  compilePacked,
  editManifest,
  editWeights,
  formatCodes,
  memoryBundle,
  shortRows,
  unfitF16,
  unpackedBindings,
} from "./format-helpers.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";

const FORMATS: PackedFormat[] = ["f16", "q8", "q4"];
const tokens = { shape: [1, 5], data: Float64Array.from([3, 1, 4, 1, 5]) };

/** Largest |a − b| over the logits, and the largest |b|. */
function logitError(a: Float64Array, b: Float64Array): { error: number; scale: number } {
  let error = 0;
  let scale = 0;
  b.forEach((v, i) => {
    error = Math.max(error, Math.abs(a[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return { error, scale };
}

describe.each(FORMATS)("%s", (format) => {
  const compiled = compilePacked(format);
  const encoded = encodeBundle(compiled.content);
  const read = decodeBundle(memoryBundle(encoded));

  it("packs the embedding table (read by the tied head too) and every matmul weight", () => {
    const weights = compiled.plan.buffers.filter((b) => b.kind === "weight");
    const packed = weights.filter((b) => b.format === format).map((b) => b.name);
    // The table, QKV fused, the output projection, up and down; norms and biases stay f32.
    expect(packed).toEqual([
      "wte.weight",
      "h.0.attention.q.weight+h.0.attention.k.weight+h.0.attention.v.weight",
      "h.0.attention.o.weight",
      "h.0.mlp.up.weight",
      "h.0.mlp.down.weight",
    ]);
    // Rows: the table [16, 32]; q, k and v (3 · 32) over d = 32; o [32, 32]; up [64, 32];
    // down [32, 64].
    const shapes = [
      [16, 32],
      [96, 32],
      [32, 32],
      [64, 32],
      [32, 64],
    ];
    weights
      .filter((b) => b.format)
      .forEach((b, i) => {
        expect(b.dtype).toBe("u32");
        expect(b.elements).toBe(packedWords(format, shapes[i]!));
      });
    // Every matmul unpacks its weights (the tied head's: the table), and so does the gather: 5
    // matmuls, each with a prefill and a decode kernel.
    const matmuls = compiled.plan.kernels.filter((k) => k.name.startsWith("matmul"));
    expect(
      matmuls.map((k) => k.name.includes(`_${format}`) && k.wgsl.includes("fn w_at(")),
    ).toEqual(Array.from({ length: 10 }, () => true));
    const embed = compiled.plan.kernels.find((k) => k.name.startsWith("embed"))!;
    expect(embed.name).toContain(`_${format}`);
    expect(embed.wgsl).toContain("fn table_at(row: u32, c: u32) -> f32");
    expect(verifyPlan(compiled.plan)).toEqual([]);
  });

  it("records the format of each packed tensor; the reader gets their words and values back", () => {
    expect(read.diagnostics).toEqual([]);
    const { manifest } = read.bundle!;
    expect(manifest.weights.format).toBe(format);
    expect(Object.keys(manifest.weights.formats).sort()).toEqual([
      "h.0.attention.k.weight",
      "h.0.attention.o.weight",
      "h.0.attention.q.weight",
      "h.0.attention.v.weight",
      "h.0.mlp.down.weight",
      "h.0.mlp.up.weight",
      "wte.weight",
    ]);
    const original = compiled.weights.get("h.0.mlp.up.weight")!;
    const words = packMatrix(format, original.data, original.shape);
    expect(read.bundle!.packed.get("h.0.mlp.up.weight")).toEqual(words);
    const unpacked = read.bundle!.weights.get("h.0.mlp.up.weight")!;
    expect(unpacked.shape).toEqual([64, 32]);
    expect(unpacked.data).not.toEqual(original.data);
    // Not packed: read back exactly.
    const bias = compiled.weights.get("h.0.mlp.up.bias")!.data.map(Math.fround);
    expect(read.bundle!.weights.get("h.0.mlp.up.bias")!.data).toEqual(bias);
  });

  it("the CPU reference runs the unpacked values: close to f32's logits, not equal", () => {
    const ref = new ReferenceExecutor(compiled.ir, compiled.weights).run({ tokens }).logits!;
    const got = new ReferenceExecutor(compiled.ir, read.bundle!.weights).run({ tokens }).logits!;
    const { error, scale } = logitError(got.data, ref.data);
    // Bounds from the packing's step: f16 2^-11 relative, q8 1/254 of a row's largest weight,
    // q4 1/16 of a block's; the seeded weights give logits of about 1.
    const bound = { f16: 1e-3, q8: 3e-2, q4: 3e-1 }[format];
    expect(error).toBeGreaterThan(0);
    expect(error / scale).toBeLessThan(bound);
  });

  it("lowering again (another adapter kind) keeps the recorded formats", () => {
    const formats = read.bundle!.manifest.weights.formats;
    const again = lowerToPlan(compiled.ir, { target: "cpu", weightFormats: { recorded: formats } });
    const packedOf = (plan: typeof compiled.plan) =>
      plan.buffers.filter((b) => b.kind === "weight").map((b) => [b.name, b.format, b.elements]);
    expect(packedOf(again.plan!)).toEqual(packedOf(compiled.plan));
    expect(verifyPlan(again.plan!)).toEqual([]);
  });
});

describe("weight-format diagnostics", () => {
  const q8 = encodeBundle(compilePacked("q8").content);
  const codesOf = (edit: (files: Map<string, Uint8Array>) => void) =>
    decodeBundle(memoryBundle(q8, edit)).diagnostics.map((d) => d.code);

  it("E0650: a format this Loom does not read, in weights.format or weights.formats", () => {
    const read = decodeBundle(
      memoryBundle(q8, (files) =>
        editManifest(files, (m) => (m.weights.formats["h.0.mlp.up.weight"] = "q2k")),
      ),
    );
    expect(read.diagnostics.map((d) => d.code)).toEqual(["E0650"]);
    expect(read.diagnostics[0]!.message).toBe(
      "the bundle's weights use the format `q2k`, which this Loom (0.1.0) does not read",
    );
    expect(read.diagnostics[0]!.notes).toEqual([
      "this Loom reads the weight formats f32, f16, q8, q4",
    ]);
  });

  it("E0651: a weight f16 cannot hold, at the layer that declares it", () => {
    const [d] = unfitF16();
    expect(d!.code).toBe("E0651");
    expect(d!.message).toBe(
      "the weight `h.0.mlp.down.weight` holds 100000 (element 3), which f16 cannot hold",
    );
    expect(d!.span.file).toBe("packed.loom");
  });

  it("E0652: a packed tensor of the wrong shape", () => {
    const read = decodeBundle(
      memoryBundle(q8, (files) => editWeights(files, (t) => shortRows(t, "h.0.mlp.up.weight"))),
    );
    expect(read.diagnostics.map((d) => d.code)).toEqual(["E0652"]);
    expect(read.diagnostics[0]!.message).toBe(
      "tensor `h.0.mlp.up.weight` should be q8 words, U32 [64, 9], but the file has U32 [64, 8]",
    );
  });

  it("E0614: formats the manifest records that are not the plan's", () => {
    expect(
      codesOf((files) => editManifest(files, (m) => delete m.weights.formats["h.0.mlp.up.weight"])),
    ).toEqual(["E0614"]);
  });

  it("E0653: a packed buffer bound where the kernel reads f32", () => {
    const found = verifyPlan(unpackedBindings(compilePacked("q8").plan));
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((d) => d.code))).toEqual(new Set(["E0653"]));
    expect(found[0]!.message).toMatch(/packed as q8, to `table`, which reads plain u32/);
  });

  it("one of each, for the codes test", () => {
    expect([...new Set(formatCodes().map((d) => d.code))].sort()).toEqual([
      "E0650",
      "E0651",
      "E0652",
      "E0653",
    ]);
  });
});
