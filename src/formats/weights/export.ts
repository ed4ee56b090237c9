/**
 * Weights in a Hugging Face layout's names: the inverse of binding (load.ts). A layout's map says,
 * for each Loom weight, which file tensor it comes from and how its values are gathered out of it
 * (a copy, a transpose, columns of a fused q|k|v). Every such conversion only moves values, so
 * running it on the file tensor's own indices tells where each Loom value came from; scattering
 * the Loom values back to those places rebuilds the file tensor. The name tables stay in the maps.
 */
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import { sizeOf, type Tensor } from "../../contracts/tensor.ts";
import { declaredWeights } from "./declared.ts";
import { layoutMap, type Layout } from "./layouts/index.ts";
import { fileSpan } from "./safetensors.ts";

export interface LayoutTensors {
  /** File tensors by name, in the map's order; absent when there are errors. */
  tensors?: Map<string, Tensor>;
  diagnostics: Diagnostic[];
}

interface Assembly {
  tensor: Tensor;
  filled: Uint8Array;
}

/**
 * The spec's weights (by Loom full name) as the tensors of a `layout` file. `names` hints the
 * file's prefix (`transformer.wte.weight` puts GPT-2's names under `transformer.`); `path` is the
 * file the diagnostics name. Tied copies (`lm_head.weight` of a tied head) are not written.
 */
export function layoutTensors(
  ir: TypedIr,
  layout: Layout,
  weights: ReadonlyMap<string, Tensor>,
  names: ReadonlySet<string>,
  path: string,
): LayoutTensors {
  const bag = new DiagnosticBag();
  const span = fileSpan(path);
  const map = layoutMap(ir, layout, names);
  const bound = new Set(map.bindings.map((b) => b.loom));
  for (const weight of declaredWeights(ir)) {
    if (!bound.has(weight.name))
      bag.report(
        "E0922",
        span,
        `layout ${layout} has no name for \`${weight.name}\` (a \`${weight.node.op}\` weight)`,
        {
          notes: [
            `declared at ${weight.node.source.file}:${weight.node.source.line}:${weight.node.source.column}`,
          ],
          hint: "docs/weights.md lists what each layout maps; ONNX (`--format onnx`) takes any spec",
        },
      );
  }
  const files = new Map<string, Assembly>();
  for (const binding of map.bindings) {
    const value = weights.get(binding.loom);
    if (!value || value.data.length !== sizeOf(binding.shape)) {
      bag.report("E0922", span, `no values for the weight \`${binding.loom}\``, {
        notes: [`it is the tensor \`${binding.file}\` of layout ${layout}`],
        hint: "pass weights that bind to this spec (--weights FILE, --layout NAME)",
      });
      continue;
    }
    const size = sizeOf(binding.fileShape);
    let target = files.get(binding.file);
    if (!target) {
      target = {
        tensor: { shape: [...binding.fileShape], data: new Float64Array(size) },
        filled: new Uint8Array(size),
      };
      files.set(binding.file, target);
    }
    const places = binding.convert(Float64Array.from({ length: size }, (_, i) => i));
    for (let j = 0; j < places.length; j++) {
      const at = places[j]!;
      target.tensor.data[at] = value.data[j]!;
      target.filled[at] = 1;
    }
  }
  for (const [name, { filled }] of files) {
    const gap = filled.indexOf(0);
    if (gap >= 0)
      bag.report("E0922", span, `the tensor \`${name}\` is not covered by the spec's weights`, {
        notes: [`element ${gap} of it comes from no Loom weight`],
        hint: "this is a bug in the layout map; please report it with the spec",
      });
  }
  if (bag.hasErrors) return { diagnostics: bag.items };
  return {
    tensors: new Map([...files].map(([name, { tensor }]) => [name, tensor])),
    diagnostics: bag.items,
  };
}
