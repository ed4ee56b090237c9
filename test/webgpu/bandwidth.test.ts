/**
 * The streaming-read kernel behind `loom bench`'s bandwidth figure: every vec4 read once, by the
 * invocation the header of stream-read.ts says, checked against sums worked out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BANDWIDTH_BYTES, measureDeviceBandwidth } from "../../src/api/bandwidth.ts";
import { streamReadKernel } from "../../src/compiler/codegen/stream-read.ts";
import { acquireNodeDevice } from "../../src/runtime/webgpu/device.ts";
import { runKernel } from "../../src/runtime/webgpu/run-kernel.ts";

let device: GPUDevice;
beforeAll(async () => {
  device = (await acquireNodeDevice()).device;
}, 60_000);
afterAll(() => device?.destroy());

describe("stream-read kernel", () => {
  it("reads each vec4 once: invocation g sums vec4s g, g + 512, … of 1000", async () => {
    // Two workgroups of 256: G = 512 invocations. vec4 i holds (i, i, i, i), so invocation g
    // sums 4·g + 4·(g + 512) = 8·g + 2048 when g + 512 < 1000 (g < 488), else 4·g.
    const data = Float32Array.from({ length: 4000 }, (_, j) => Math.floor(j / 4));
    const { sums } = await runKernel(
      device,
      streamReadKernel(1000, 2),
      { data, sums: new Float32Array(512) },
      {},
    );
    const expected = Array.from({ length: 512 }, (_, g) => (g < 488 ? 8 * g + 2048 : 4 * g));
    expect(Array.from(sums!)).toEqual(expected);
  });

  it("contiguous: invocation g sums its own run of vec4s, 2g and 2g + 1 of 1024", async () => {
    // 512 invocations, runs of 2: 4·(2g) + 4·(2g + 1) = 16·g + 4.
    const data = Float32Array.from({ length: 4096 }, (_, j) => Math.floor(j / 4));
    const { sums } = await runKernel(
      device,
      streamReadKernel(1024, 2, "contiguous"),
      { data, sums: new Float32Array(512) },
      {},
    );
    expect(Array.from(sums!)).toEqual(Array.from({ length: 512 }, (_, g) => 16 * g + 4));
    expect(() => streamReadKernel(1000, 2, "contiguous")).toThrow(RangeError);
  });

  it("measures a finite bandwidth over 128 MiB, the faster of the two layouts", async () => {
    const measured = await measureDeviceBandwidth(device, 1);
    expect(measured.bytes).toBe(BANDWIDTH_BYTES);
    expect(["strided", "contiguous"]).toContain(measured.layout);
    expect(measured.secondsPerDispatch).toHaveLength(1);
    expect(measured.bytesPerSecond).toBe(measured.bytes / measured.secondsPerDispatch[0]!);
    expect(Number.isFinite(measured.bytesPerSecond) && measured.bytesPerSecond > 0).toBe(true);
  });
});
