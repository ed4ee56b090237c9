/** The weight layouts: detection from a file's tensor names, and each layout's name map. */
import type { TypedIr } from "../../../contracts/ir/schema.ts";
import { declaredWeights } from "../declared.ts";
import { analyse } from "../structure.ts";
import { bertMap } from "./bert.ts";
import { gpt2Map } from "./gpt2.ts";
import { llamaMap } from "./llama.ts";
import { loomMap } from "./loom.ts";
import type { Layout, LayoutMap } from "./map.ts";
import { t5Map } from "./t5.ts";
import { torchMap } from "./torch.ts";
import { vitMap } from "./vit.ts";

export { LAYOUTS, isLayoutOption, type Layout, type LayoutOption } from "./map.ts";

/** The metadata key under which `loom weights init` records the layout it wrote. */
export const LAYOUT_METADATA_KEY = "loom.layout";

/** Tensor names that identify each layout but loom, tried in this order. */
const SIGNATURES: { layout: Layout; test: (names: readonly string[]) => string | undefined }[] = [
  { layout: "torch", test: (n) => n.find((x) => /(^|\.)self_attn\.in_proj_weight$/.test(x)) },
  { layout: "hf-gpt2", test: (n) => n.find((x) => /(^|\.)h\.\d+\.attn\.c_attn\.weight$/.test(x)) },
  {
    layout: "hf-t5",
    test: (n) =>
      n.find((x) => /(^|\.)block\.\d+\.layer\.\d+\.(SelfAttention|DenseReluDense)\./.test(x)) ??
      (n.includes("shared.weight") ? n.find((x) => x.startsWith("encoder.block.")) : undefined),
  },
  {
    layout: "hf-llama",
    test: (n) => n.find((x) => /(^|\.)layers\.\d+\.(self_attn\.q_proj|input_layernorm)\./.test(x)),
  },
  {
    layout: "hf-vit",
    test: (n) =>
      n.find((x) => /(^|\.)embeddings\.(patch_embeddings\.|cls_token$)/.test(x)) ??
      n.find((x) => x.startsWith("vit.")),
  },
  {
    layout: "hf-bert",
    test: (n) =>
      n.find((x) => /(^|\.)embeddings\.word_embeddings\.weight$/.test(x)) ??
      n.find((x) => x.startsWith("bert.")),
  },
];

/**
 * The layout of a file for a spec: the one its metadata records; else loom when it holds most of
 * the spec's own weight names; else the PyTorch or Hugging Face layout whose signature names it holds; else
 * loom. `reason` says why, for notes.
 */
export function detectLayout(
  ir: TypedIr,
  names: readonly string[],
  metadata: Readonly<Record<string, string>>,
): { layout: Layout; reason: string } {
  const recorded = metadata[LAYOUT_METADATA_KEY];
  if (recorded === "loom" || SIGNATURES.some((s) => s.layout === recorded))
    return { layout: recorded as Layout, reason: `recorded in the file's metadata` };
  const declared = declaredWeights(ir);
  const present = new Set(names);
  const own = declared.filter((w) => present.has(w.name)).length;
  if (declared.length > 0 && own * 2 > declared.length)
    return {
      layout: "loom",
      reason: `the file holds ${own} of the spec's ${declared.length} weight names`,
    };
  for (const signature of SIGNATURES) {
    const found = signature.test(names);
    if (found) return { layout: signature.layout, reason: `detected from the tensor \`${found}\`` };
  }
  return { layout: "loom", reason: "no Hugging Face tensor names found" };
}

/** The name map of `layout` for one spec and one file's tensor names. */
export function layoutMap(ir: TypedIr, layout: Layout, names: ReadonlySet<string>): LayoutMap {
  if (layout === "loom") return loomMap(ir);
  const structure = analyse(ir);
  switch (layout) {
    case "torch":
      return torchMap(structure, names);
    case "hf-gpt2":
      return gpt2Map(structure, names);
    case "hf-bert":
      return bertMap(structure, names);
    case "hf-t5":
      return t5Map(structure);
    case "hf-vit":
      return vitMap(structure, names);
    case "hf-llama":
      return llamaMap(structure, names);
  }
}
