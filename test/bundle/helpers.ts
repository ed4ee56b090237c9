/** Shared helpers of the bundle tests: a tiny spec, a fake lowering, temporary directories. */
import {
  cpSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import type { Io } from "../../src/cli/io.ts";
import type { LowerResult } from "../../src/api/compile.ts";
import { checkSpec } from "../../src/compiler/compile.ts";
import { readBundle } from "../../src/formats/bundle/directory.ts";
import type { BundleContent } from "../../src/compiler/bundle/encode.ts";
import { BUILTIN_PROFILES } from "../../src/contracts/device-profile/builtins.ts";
import { CODES } from "../../src/contracts/diagnostics/codes.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { declaredWeights } from "../../src/formats/weights/declared.ts";
import { initWeights } from "../../src/formats/weights/init.ts";

/** A tiny decoder: 440 parameters, a tied LM head, `seq <= 8`. */
export const MINI_SPEC = `// A tiny decoder for the bundle tests.
model mini {
  dims { vocab = 16, ctx = 8, d = 8, layers = 1 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d) as wte
  repeat layers as h {
    x = x + mlp(layernorm(x), 2 * d, act = gelu_tanh)
  }
  output logits = lm_head(layernorm(x), tied_to = wte)
}
`;

/** The typed IR of a spec given as text under a path. */
export function irOf(text: string, path = "mini.loom"): TypedIr {
  const result = checkSpec(path, (p) => {
    if (p === path) return text;
    throw Object.assign(new Error("no such file"), { code: "ENOENT" });
  });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.models[0]!.ir!;
}

/** A trivial WGSL kernel: out[i] = in[i] for i < params.n. */
export const COPY_WGSL = `struct Params {
  n: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < params.n) {
    dst[id.x] = src[id.x];
  }
}
`;

/** A plan with one trivial kernel copying the first weight into an output, one step. */
export function fakePlan(ir: TypedIr): KernelPlan {
  const weight = declaredWeights(ir)[0]!;
  const count = weight.shape.reduce((a, b) => a * b, 1);
  return {
    sizes: { batch: "batch", step: "seq", encoder: null, max: { batch: 1, seq: 8 } },
    kernels: [
      {
        name: "copy",
        wgsl: COPY_WGSL,
        entryPoint: "main",
        bindings: [
          { name: "params", access: "uniform" },
          { name: "src", access: "read" },
          { name: "dst", access: "read_write" },
        ],
        workgroupSize: [64, 1, 1],
        workgroupStorageBytes: 0,
        dispatch: [{ expr: "rows", divisor: 64 }, 1, 1],
        params: [{ name: "n", value: "rows" }],
      },
    ],
    buffers: [
      {
        id: 0,
        name: weight.name,
        kind: "weight",
        dtype: "f32",
        elements: count,
        maxElements: count,
        weights: [weight.name],
      },
      {
        id: 1,
        name: "logits",
        kind: "output",
        dtype: "f32",
        elements: "batch * seq * 16",
        maxElements: 128,
        lifetime: [0, 0],
        slot: 0,
      },
    ],
    steps: [
      {
        kernel: "copy",
        sizes: { rows: "batch * seq" },
        when: "always",
        buffers: [0, 1],
        nodes: [ir.nodes[0]!.name],
        phase: "step",
      },
    ],
    generation: null,
  };
}

/** A fake lowering for runCompile: the fake plan, or the plan `edit` makes of it. */
export function fakeLower(edit: (plan: KernelPlan) => void = () => {}) {
  return (ir: TypedIr): LowerResult => {
    const plan = fakePlan(ir);
    edit(plan);
    return { plan, diagnostics: [] };
  };
}

/** Everything writeBundle needs for the mini spec, with seeded weights. */
export function miniContent(ir = irOf(MINI_SPEC)): BundleContent {
  return {
    source: { file: "mini.loom", text: MINI_SPEC },
    ir,
    plan: fakePlan(ir),
    weights: initWeights(ir, 7),
    weightsMetadata: { "loom.seed": "7" },
    tokenizer: null,
    profile: BUILTIN_PROFILES["webgpu-default"]!,
    createdBy: "test",
  };
}

const made: string[] = [];
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true });
});

/** A fresh temporary directory, deleted after the file's tests. */
export function tempDir(): string {
  const path = mkdtempSync(join(tmpdir(), "loom-bundle-"));
  made.push(path);
  return path;
}

/** A temporary directory holding the mini spec as `mini.loom`; returns the spec's path. */
export function miniSpecFile(text = MINI_SPEC): string {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "mini.loom");
  writeFileSync(path, text);
  return path;
}

/** An Io that records what is written. */
export function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    isTty: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

/** The codes of diagnostics. */
export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

/** Every diagnostic is well formed: a registered code, its severity, a message, a span. */
export function expectWellFormed(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(Object.keys(CODES)).toContain(d.code);
    expect(d.severity).toBe(d.code.startsWith("W") ? "warning" : "error");
    expect(d.message.length).toBeGreaterThan(0);
    expect(typeof d.span.file).toBe("string");
  }
}

/** Every file under a directory, relative, sorted. */
export function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Every file under a directory with its bytes, for comparing two trees. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    listing(dir).map((f) => [f, readFileSync(join(dir, f)).toString("base64")]),
  );
}

/** A copy of the bundle directory `pristine` after `damage`, read back with well-formed diagnostics. */
export function damagedCopy(pristine: string, damage: (dir: string) => void) {
  const dir = join(tempDir(), "b");
  cpSync(pristine, dir, { recursive: true });
  damage(dir);
  const result = readBundle(dir);
  expectWellFormed(result.diagnostics);
  return { dir, ...result };
}
