/** Shared helpers of the weights tests: specs from text, hand-made safetensors files, values. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import { Mulberry32 } from "../../src/contracts/random.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";

/** The typed IR of a spec file under specs/ (the only model it defines). */
export function specIr(path: string): TypedIr {
  return irOf(
    checkSpec(path, (p) => readFileSync(p, "utf8")),
    path,
  );
}

/** The typed IR of a spec given as text (includes resolve against the repository). */
export function textIr(text: string, path = "specs/test-spec.loom"): TypedIr {
  return irOf(
    checkSpec(path, (p) => (p === path ? text : readFileSync(p, "utf8"))),
    path,
  );
}

function irOf(result: ReturnType<typeof checkSpec>, path: string): TypedIr {
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  expect(
    errors.map((d) => d.message),
    path,
  ).toEqual([]);
  const ir = result.models[0]?.ir;
  if (!ir) throw new Error(`${path} has no checked model`);
  return ir;
}

/** One tensor of a hand-made file: any dtype, raw little-endian bytes. */
export interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** A safetensors file from raw tensors (any dtypes), laid out in order, header padded to 8. */
export function rawFile(tensors: RawTensor[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header["__metadata__"] = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, offset + t.bytes.length],
    };
    offset += t.bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const t of tensors) {
    data.set(t.bytes, at);
    at += t.bytes.length;
  }
  return craft(JSON.stringify(header), data);
}

/** A file from a header text (padded with spaces to 8 bytes) and a data section. */
export function craft(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  out.set(data, 8 + padded);
  return out;
}

/** Little-endian float32 bytes of values. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** `count` float32-exact values in [-1, 1) from a seeded generator. */
export function seededValues(seed: number, count: number): Float64Array {
  const rng = new Mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.fround(rng.nextU32() / 2 ** 31 - 1);
  return out;
}

/** Tensors of the given names and shapes with seeded float32-exact values, in order. */
export function seededTensors(entries: [string, number[]][], seed = 1): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  entries.forEach(([name, shape], i) => {
    const count = shape.reduce((a, b) => a * b, 1);
    out.set(name, { shape, data: seededValues(seed * 7919 + i, count) });
  });
  return out;
}

/** The codes of a list of diagnostics. */
export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

/** Every diagnostic is well formed: a registered code, the file's span, a message. */
export function expectWellFormed(diagnostics: readonly Diagnostic[], path: string): void {
  for (const d of diagnostics) {
    expect(Object.keys(CODES)).toContain(d.code);
    expect(d.span).toEqual({ file: path, start: 0, end: 0 });
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.severity).toBe(d.code.startsWith("W") ? "warning" : "error");
  }
}
