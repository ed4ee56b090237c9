/**
 * A tiny spec whose matmuls every weight format packs (k = 32 and 64), compiled per format in
 * memory, and the bad inputs that produce the weight-format codes E0650–E0653.
 */
import { compileSpec, type CompiledModel } from "../../src/api/compile.ts";
import { encodeBundle, type EncodedBundle } from "../../src/compiler/bundle/encode.ts";
import type { BundleSource } from "../../src/formats/bundle/read.ts";
import { decodeBundle } from "../../src/formats/bundle/read.ts";
import { verifyPlan } from "../../src/contracts/plan/verify.ts";
import type { Diagnostic } from "../../src/contracts/diagnostics/diagnostic.ts";
import type { WeightFormat } from "../../src/contracts/weight-format.ts";
import { sha256 } from "../../src/contracts/bundle/hash.ts";
import { LoomError } from "../../src/api/errors.ts";
import {
  parseSafetensors,
  writeSafetensors,
  type WordTensor,
} from "../../src/formats/weights/safetensors.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { initWeights } from "../../src/formats/weights/init.ts";

export const PACKED_SPEC = `// A tiny decoder whose matmuls every weight format packs.
model packed {
  dims { vocab = 16, ctx = 8, d = 32, heads = 2, layers = 1 }
  input tokens: int[batch, seq <= ctx]
  x = embed(tokens, vocab, d) as wte
  repeat layers as h {
    x = x + attention(layernorm(x), heads, causal)
    x = x + mlp(layernorm(x), 2 * d, act = gelu_tanh)
  }
  output logits = lm_head(layernorm(x), tied_to = wte)
}
`;

/** PACKED_SPEC compiled in memory with seeded weights (seed 5) in `format`. */
export function compilePacked(
  format: WeightFormat,
  options: { target?: "gpu" | "cpu"; spec?: string } = {},
): CompiledModel {
  const text = options.spec ?? PACKED_SPEC;
  return compileSpec("packed.loom", {
    weightFormat: format,
    initSeed: 5,
    read: () => text,
    ...(options.target === "cpu" ? { deviceProfile: "swiftshader" } : {}),
  });
}

/** A bundle's files as a source, after `edit` changed them. */
export function memoryBundle(
  encoded: EncodedBundle,
  edit: (files: Map<string, Uint8Array>) => void = () => {},
): BundleSource {
  const files = new Map(encoded.files.map((f) => [f.path, f.bytes]));
  edit(files);
  return {
    location: "packed.bundle",
    pathOf: (file) => `packed.bundle/${file}`,
    read: (file) => {
      const bytes = files.get(file);
      if (!bytes) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return bytes;
    },
  };
}

/** Replaces manifest.json by an edited copy. */
export function editManifest(
  files: Map<string, Uint8Array>,
  change: (m: Record<string, any>) => void,
): void {
  const m = JSON.parse(new TextDecoder().decode(files.get("manifest.json")!));
  change(m);
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(m)));
}

/** Replaces the weights file (its size and hash recorded), the tensors changed by `change`. */
export function editWeights(
  files: Map<string, Uint8Array>,
  change: (tensors: Map<string, Tensor | WordTensor>) => void,
): void {
  const parsed = parseSafetensors(files.get("weights.safetensors")!, "weights.safetensors").file!;
  const tensors = new Map<string, Tensor | WordTensor>();
  for (const info of parsed.header.tensors) {
    const view = new DataView(
      parsed.bytes.buffer,
      parsed.bytes.byteOffset + parsed.header.dataStart + info.dataOffsets[0],
    );
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (info.dtype === "U32")
      tensors.set(info.name, {
        shape: info.shape,
        words: Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true)),
      });
    else
      tensors.set(info.name, {
        shape: info.shape,
        data: Float64Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true)),
      });
  }
  change(tensors);
  const bytes = writeSafetensors(tensors, { metadata: parsed.header.metadata });
  files.set("weights.safetensors", bytes);
  editManifest(files, (m) =>
    Object.assign(m.weights, { bytes: bytes.length, sha256: sha256(bytes) }),
  );
}

/** One diagnostic of each weight-format code, from bad input. */
export function formatCodes(): Diagnostic[] {
  const out: Diagnostic[] = [];
  const q8 = encodeBundle(compilePacked("q8").content);
  const read = (edit: (files: Map<string, Uint8Array>) => void) =>
    out.push(...decodeBundle(memoryBundle(q8, edit)).diagnostics);
  read((files) => editManifest(files, (m) => (m.weights.format = "q3"))); // E0650
  out.push(...unfitF16()); // E0651
  read((files) => editWeights(files, (tensors) => shortRows(tensors, "h.0.mlp.up.weight"))); // E0652
  out.push(...verifyPlan(unpackedBindings(compilePacked("q8").plan))); // E0653
  return out;
}

/** A packed tensor one word a row short: U32 still, the shape no longer its format's. */
export function shortRows(tensors: Map<string, Tensor | WordTensor>, name: string): void {
  const packed = tensors.get(name) as WordTensor;
  const [rows, words] = packed.shape as [number, number];
  const short = new Uint32Array(rows * (words - 1));
  for (let r = 0; r < rows; r++)
    short.set(packed.words.subarray(r * words, r * words + words - 1), r * (words - 1));
  tensors.set(name, { shape: [rows, words - 1], words: short });
}

/** The plan with the first packed matmul's bindings stripped of their format (a lowering bug). */
export function unpackedBindings(plan: KernelPlan): KernelPlan {
  const copy = structuredClone(plan);
  const kernel = copy.kernels.find((k) => k.bindings.some((b) => b.format))!;
  for (const b of kernel.bindings) delete b.format;
  return copy;
}

/** E0651: compiling to f16 a weight of 1e5, which f16 cannot hold. */
export function unfitF16(): Diagnostic[] {
  const ir = compilePacked("f32").ir;
  const weights = initWeights(ir, 5);
  weights.get("h.0.mlp.down.weight")!.data[3] = 1e5;
  try {
    compileSpec("packed.loom", {
      weightFormat: "f16",
      weights: writeSafetensors(weights),
      layout: "loom",
      read: () => PACKED_SPEC,
    });
  } catch (error) {
    if (error instanceof LoomError) return [...error.diagnostics];
    throw error;
  }
  throw new Error("a weight of 1e5 compiled to f16");
}
