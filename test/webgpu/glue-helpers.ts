/**
 * Shared helpers of the glue-kernel tests: a WebGPU device (or none, and the suites skip), seeded
 * random data, the reference ops run on hand-made contexts, and the error measure
 * |a − b| / max(1, |b|).
 */

import type { TypedNode } from "../../src/contracts/ir/schema.ts";
import { Mulberry32 } from "../../src/contracts/random.ts";
import type { KvCache } from "../../src/runtime/reference/attention.ts";
import { OPS, type OpContext } from "../../src/runtime/reference/ops.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import { acquireNodeDevice, NoAdapterError } from "../../src/runtime/webgpu/device.ts";
import type { Kernel } from "../../src/contracts/kernel.ts";
import { runKernel, type HostArray } from "../../src/runtime/webgpu/run-kernel.ts";

let acquired: Promise<GPUDevice | undefined> | undefined;

/** The test device, or undefined when this machine has no WebGPU adapter (the suites skip). */
export function glueDevice(): Promise<GPUDevice | undefined> {
  acquired ??= acquireNodeDevice().then(
    (a) => a.device,
    (error: unknown) => {
      if (error instanceof NoAdapterError) return undefined;
      throw error;
    },
  );
  return acquired;
}

/** Runs a kernel and returns its read_write bindings (as f32; see `u32s`). */
export async function run(
  kernel: Kernel,
  data: Readonly<Record<string, HostArray>>,
  sizes: Readonly<Record<string, number>>,
): Promise<Record<string, Float32Array>> {
  const device = await glueDevice();
  if (!device) throw new Error("no device");
  return runKernel(device, kernel, data, sizes);
}

/** The bits of a read-back buffer as u32. */
export function u32s(values: Float32Array | undefined): Uint32Array {
  if (!values) throw new Error("missing output");
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** A seeded uniform generator on [lo, hi). */
export function uniform(seed: number): (lo?: number, hi?: number) => number {
  const rng = new Mulberry32(seed);
  return (lo = -1, hi = 1) => lo + (hi - lo) * (rng.nextU32() / 2 ** 32);
}

/** n values from a generator, as f32 (the values the reference then sees are the same). */
export function randomF32(n: number, next: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => next());
}

/** A float64 tensor of f32 values. */
export function tensorOf(shape: number[], values: ArrayLike<number>): Tensor {
  return { shape, data: Float64Array.from(values) };
}

/** max |got − want| / max(1, |want|). */
export function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length < want.length) throw new Error(`got ${got.length} values, want ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  }
  return worst;
}

/** Runs a reference op on a hand-made context: inputs by role, weights by name. */
export function reference(
  op: string,
  attrs: Record<string, unknown>,
  inputs: Record<string, Tensor>,
  weights: Record<string, Tensor> = {},
  offset = 0,
): Tensor {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`reference ${op}: no ${what}`);
    return value;
  };
  const ctx: OpContext = {
    node: { op, attrs } as unknown as TypedNode,
    input: (role) => need(inputs[role], `input ${role}`),
    optionalInput: (role) => inputs[role],
    positionBias: () => undefined,
    weight: (name) => need(weights[name], `weight ${name}`),
    optionalWeight: (name) => weights[name],
    offset,
    cache: { keys: [], values: [], length: 0 } satisfies KvCache,
    cacheFull: false,
  };
  const run = need(OPS[op], `op ${op}`);
  return run(ctx) as Tensor;
}

/** The widths and row counts every row kernel is tried at. */
export const WIDTHS = [1, 7, 33, 96];
/** Max |a − b| / max(1, |b|) a kernel may have against the float64 reference. */
export const TOLERANCE = 1e-4;
/** (batch, seq) pairs: rows 1, 5, 17, and two with both above 1. */
export const LAYOUTS: [number, number][] = [
  [1, 1],
  [1, 5],
  [17, 1],
  [2, 3],
  [3, 5],
];
export const ROWS = [1, 5, 17];

/** Largest error over the suite, printed at the end of a file for the record. */
export class ErrorLog {
  private readonly worst = new Map<string, number>();
  note(what: string, error: number): number {
    this.worst.set(what, Math.max(this.worst.get(what) ?? 0, error));
    return error;
  }
  report(title: string): void {
    const lines = [...this.worst].map(([k, v]) => `  ${k}: ${v.toExponential(2)}`);
    console.log(`${title} max errors:\n${lines.join("\n")}`);
  }
}
