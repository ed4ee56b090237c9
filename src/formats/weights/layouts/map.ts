/**
 * What a layout's name map produces, and the helpers the maps share: a binding says which tensor
 * of the file (and which shape it must have) becomes which Loom weight, and how it is converted.
 */
import type { TypedNode } from "../../../contracts/ir/schema.ts";
import type { ModelStructure } from "../structure.ts";

/** The weight layouts Loom reads. */
export const LAYOUTS = [
  "loom",
  "torch",
  "hf-gpt2",
  "hf-bert",
  "hf-t5",
  "hf-vit",
  "hf-llama",
] as const;
export type Layout = (typeof LAYOUTS)[number];
/** A layout, or "auto": detected from the file's tensor names. */
export type LayoutOption = Layout | "auto";

export function isLayoutOption(value: string): value is LayoutOption {
  return value === "auto" || (LAYOUTS as readonly string[]).includes(value);
}

/** One Loom weight and where it comes from in the file. */
export interface Binding {
  /** The Loom full name (`h.0.attention.q.weight`). */
  loom: string;
  /** The Loom shape. */
  shape: number[];
  /** The node declaring it, for notes. */
  node: TypedNode;
  /** The tensor's name in the file. */
  file: string;
  /** Older names of the same tensor, accepted when `file` is absent (`LayerNorm.gamma`). */
  alternatives: string[];
  /** The shape the file's tensor must have. */
  fileShape: number[];
  /** The Loom values from the file tensor's values (row-major, of `fileShape`). */
  convert: (data: Float64Array) => Float64Array;
  /** How the file tensor becomes the Loom weight, when it is not a plain copy. */
  how?: string;
}

/** A tensor a checkpoint may hold that duplicates a tied weight (`lm_head.weight` = `wte`). */
export interface TiedCopy {
  file: string;
  /** The Loom full name of the weight it duplicates. */
  sameAs: string;
}

/** A layout's map for one spec. */
export interface LayoutMap {
  layout: Layout;
  bindings: Binding[];
  /** Duplicates of tied weights: ignored when equal to the weight, warned about otherwise. */
  tiedCopies: TiedCopy[];
  /** Buffers that are not weights (causal masks, position ids, RoPE frequencies): ignored. */
  ignore: RegExp[];
}

/** Builds one layout's map from the model structure and the file's tensor names. */
export type MapBuilder = (s: ModelStructure, names: ReadonlySet<string>) => LayoutMap;

const identity = (data: Float64Array) => data;

/** [rows, cols] → [cols, rows]. */
export function transpose(rows: number, cols: number): (data: Float64Array) => Float64Array {
  return (data) => {
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
    return out;
  };
}

/**
 * The prefix the file puts before a layout's names (`transformer.`, `bert.`, `model.`): the
 * shortest found in front of any of `anchors`, else `fallback`.
 */
export function findPrefix(
  names: ReadonlySet<string>,
  anchors: readonly string[],
  fallback = "",
): string {
  let best: string | undefined;
  for (const name of names) {
    for (const anchor of anchors) {
      if (!name.endsWith(anchor)) continue;
      const prefix = name.slice(0, name.length - anchor.length);
      if (prefix !== "" && !prefix.endsWith(".")) continue;
      if (best === undefined || prefix.length < best.length) best = prefix;
    }
  }
  return best ?? fallback;
}

/** Collects bindings; each helper binds only weights the node actually declares. */
export class Bindings {
  readonly bindings: Binding[] = [];
  readonly tiedCopies: TiedCopy[] = [];

  /** Accept `LayerNorm.gamma`/`.beta` for `LayerNorm.weight`/`.bias` (pre-2019 BERT checkpoints). */
  legacyNormNames = false;

  private add(
    node: TypedNode | undefined,
    weight: string,
    file: string,
    fileShape?: (shape: number[]) => number[],
    convert?: (shape: number[]) => (data: Float64Array) => Float64Array,
    how?: string | ((shape: number[]) => string),
  ): void {
    const w = node?.weights.find((x) => x.name === weight);
    if (!node || !w) return;
    const shape = [...w.shape];
    const alternatives: string[] = [];
    if (this.legacyNormNames && /LayerNorm\.(weight|bias)$/.test(file))
      alternatives.push(file.replace(/weight$/, "gamma").replace(/bias$/, "beta"));
    this.bindings.push({
      loom: `${node.name}.${weight}`,
      shape,
      node,
      file,
      alternatives,
      fileShape: fileShape ? fileShape(shape) : shape,
      convert: convert ? convert(shape) : identity,
      ...(how ? { how: typeof how === "string" ? how : how(shape) } : {}),
    });
  }

  /** The weight, unchanged, from `file`. */
  copy(node: TypedNode | undefined, weight: string, file: string, fileShape?: number[]): void {
    this.add(node, weight, file, fileShape ? () => fileShape : undefined);
  }

  /**
   * Each of `leaves` (e.g. weight, bias) of a PyTorch module: `<from>.<leaf>` → `<to>.<leaf>`;
   * `from` is "" for the node's own weights.
   */
  module(node: TypedNode | undefined, from: string, to: string, leaves = ["weight", "bias"]): void {
    for (const leaf of leaves) this.copy(node, from ? `${from}.${leaf}` : leaf, `${to}.${leaf}`);
  }

  /** A Conv1D module (GPT-2) stores its weight [in, out]: transpose it; the bias is a copy. */
  conv1d(node: TypedNode | undefined, from: string, to: string): void {
    this.add(
      node,
      `${from}.weight`,
      `${to}.weight`,
      ([rows, cols]) => [cols!, rows!],
      ([rows, cols]) => transpose(cols!, rows!),
      "Conv1D weights are stored [in, out] and transposed",
    );
    this.copy(node, `${from}.bias`, `${to}.bias`);
  }

  /**
   * Part of a fused Conv1D projection: the file's [in, total] weight (or [total] bias) holds
   * several Loom projections side by side; this one is `count` columns from `offset`.
   */
  fusedConv1d(
    node: TypedNode | undefined,
    from: string,
    to: string,
    offset: number,
    total: number,
    what: string,
  ): void {
    this.add(
      node,
      `${from}.weight`,
      `${to}.weight`,
      ([, inputs]) => [inputs!, total],
      ([rows, inputs]) =>
        (data) => {
          const out = new Float64Array(rows! * inputs!);
          for (let o = 0; o < rows!; o++)
            for (let i = 0; i < inputs!; i++) out[o * inputs! + i] = data[i * total + offset + o]!;
          return out;
        },
      ([rows]) =>
        `columns [${offset}, ${offset + rows!}) of the fused ${what} weight [in, ${total}], transposed`,
    );
    this.fusedBias(node, `${from}.bias`, `${to}.bias`, offset, total, what);
  }

  /**
   * Part of a fused nn.Linear-style projection: the file's [total, in] weight (or [total] bias)
   * stacks several Loom projections; this one is its rows from `offset`, as many as it has.
   */
  fusedRows(
    node: TypedNode | undefined,
    from: string,
    to: string,
    offset: number,
    total: number,
    what: string,
  ): void {
    this.add(
      node,
      `${from}.weight`,
      `${to}_weight`,
      ([, inputs]) => [total, inputs!],
      ([rows, inputs]) =>
        (data) =>
          data.slice(offset * inputs!, (offset + rows!) * inputs!),
      ([rows]) => `rows [${offset}, ${offset + rows!}) of the fused ${what} weight [${total}, in]`,
    );
    this.fusedBias(node, `${from}.bias`, `${to}_bias`, offset, total, what);
  }

  /** A bias that is entries [offset, offset + its size) of the file's fused [total] bias. */
  private fusedBias(
    node: TypedNode | undefined,
    weight: string,
    file: string,
    offset: number,
    total: number,
    what: string,
  ): void {
    this.add(
      node,
      weight,
      file,
      () => [total],
      ([rows]) =>
        (data) =>
          data.slice(offset, offset + rows!),
      ([rows]) => `entries [${offset}, ${offset + rows!}) of the fused ${what} bias [${total}]`,
    );
  }

  /** A weight the file may duplicate under `file` because the spec ties it (`sameAs`). */
  tiedCopy(file: string, sameAs: string | undefined): void {
    if (sameAs) this.tiedCopies.push({ file, sameAs });
  }
}

/** The Loom full name of the weight a tied node reads (`wte.weight`). */
export function tiedWeight(node: TypedNode | undefined): string | undefined {
  return node?.tiedTo ? `${node.tiedTo}.weight` : undefined;
}
