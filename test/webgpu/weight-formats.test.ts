/**
 * Packed weights on the device, against the CPU reference on the unpacked values (the same
 * weights, so the tolerance is f32 rounding: max |a − b| / max(1, |b|) ≤ 1e-4):
 * - one matmul kernel per format, W staged in workgroup memory (GPU tiles) and read straight into
 *   registers (CPU-adapter tiles), on shapes no tile divides (rows 3, n 33; k 96 is 3 q4 blocks);
 * - one embedding gather per format (exact: a gather only unpacks);
 * - a tiny decoder compiled with each format for this adapter, read back from its bundle bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBundle } from "../../src/compiler/bundle/encode.ts";
import {
  CPU_SMALL_MATMUL_TILE,
  matmulKernel,
  type MatmulTile,
} from "../../src/compiler/codegen/matmul.ts";
import { tensor } from "../../src/contracts/tensor.ts";
import { embedKernel } from "../../src/compiler/codegen/embed.ts";
import { decodeBundle } from "../../src/formats/bundle/read.ts";
import { packMatrix, unpackMatrix } from "../../src/formats/quantize/index.ts";
import { linear } from "../../src/runtime/reference/linear.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { runKernel } from "../../src/runtime/webgpu/run-kernel.ts";
import { WebGpuModel } from "../../src/runtime/webgpu/session.ts";
import { compilePacked, memoryBundle } from "../bundle/format-helpers.ts";
import { maxRelError, randomF32, uniform } from "./glue-helpers.ts";

let device: GPUDevice;
let target: "gpu" | "cpu";
beforeAll(async () => {
  const acquired = await acquireNodeDevice();
  device = acquired.device;
  target = acquired.kind;
}, 60_000);
afterAll(() => device?.destroy());

const FORMATS = ["f16", "q8", "q4"] as const;

/** A small staged tile (16 invocations); k 96 is 1.5 of its steps, so the last one is guarded. */
const STAGED: MatmulTile = { rows: 16, cols: 16, k: 64, perThreadRows: 4, perThreadCols: 4 };

/** Every format with W staged in workgroup memory and read straight into registers. */
const CASES = FORMATS.flatMap((format) => [
  [format, "unstaged", CPU_SMALL_MATMUL_TILE] as const,
  [format, "staged", STAGED] as const,
]);

describe("packed matmul kernels", () => {
  it.each(CASES)("%s, W %s, unpacks what the packer packed", async (format, _, tile) => {
    const [rows, k, n] = [3, 96, 33];
    const x = randomF32(rows * k, uniform(1));
    const w = randomF32(n * k, uniform(2));
    const words = packMatrix(format, w, [n, k]);
    const kernel = matmulKernel({
      name: `packed_${format}`,
      k,
      n,
      bias: false,
      activation: "none",
      weightFormat: format,
      tile,
    });
    const got = (
      await runKernel(device, kernel, { x, w: words, y: new Float32Array(rows * n) }, { rows })
    )["y"]!;
    const unpacked = tensor([n, k], unpackMatrix(format, words, [n, k]));
    const want = linear(tensor([rows, k], Float64Array.from(x)), unpacked);
    expect(maxRelError(got, want.data)).toBeLessThanOrEqual(1e-4);
  });
});

describe("packed embedding gathers", () => {
  it.each(FORMATS)("%s: each row as the packer packed it", async (format) => {
    const [vocab, d] = [5, 96];
    const words = packMatrix(format, randomF32(vocab * d, uniform(3)), [vocab, d]);
    const table = unpackMatrix(format, words, [vocab, d]);
    const ids = Uint32Array.from([4, 0, 2, 2, 1]);
    const kernel = embedKernel({ vocab, d, tableFormat: format });
    const host = {
      ids,
      table: words,
      out: new Float32Array(ids.length * d),
      status: new Uint32Array(4),
    };
    const got = (await runKernel(device, kernel, host, { rows: ids.length }))["out"]!;
    const want = [...ids].flatMap((id) => [...table.subarray(id * d, (id + 1) * d)]);
    expect(maxRelError(got, want)).toBe(0);
  });
});

it.each(FORMATS)(
  "a decoder compiled with %s weights, read from its bundle, equals the CPU reference",
  async (format) => {
    const compiled = compilePacked(format, { target });
    const bundle = decodeBundle(memoryBundle(encodeBundle(compiled.content))).bundle!;
    expect(bundle.packed.size).toBe(7);
    const tokens = { shape: [1, 6], data: Float64Array.from([3, 1, 4, 1, 5, 9]) };
    const expected = new ReferenceExecutor(compiled.ir, bundle.weights).run({ tokens }).logits!;
    const model = await WebGpuModel.load(
      device,
      compiled.ir,
      bundle.plan,
      bundle.weights,
      undefined,
      bundle.packed,
    );
    const { outputs } = await model.forward({ tokens });
    model.destroy();
    expect(outputs["logits"]!.shape).toEqual(expected.shape);
    expect(maxRelError(outputs["logits"]!.data, expected.data)).toBeLessThanOrEqual(1e-4);
  },
);
