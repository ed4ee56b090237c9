import type { ConfigReader } from "./fields.ts";

/** What the caller of `loom import` chose beside the config. */
export interface ImportOptions {
  /** The model's name in the spec (an identifier). */
  name: string;
  /** The config file's name as the header comment should show it. */
  source: string;
  /**
   * The longest sequence the spec accepts, below the config's context. Needed where a feature
   * only acts beyond some length (a sliding window): the import is exact up to it.
   */
  context?: number;
}

/** One family's import: the spec text (not yet formatted) and the weight layout it binds. */
export interface FamilyImport {
  spec: string;
  /** The `--layout` that reads this family's Hugging Face checkpoints (none for a family without one). */
  layout?: string;
}

/** Reads one family's config fields and writes its spec. Problems go to the reader's bag. */
export type Family = (cfg: ConfigReader, options: ImportOptions) => FamilyImport;

/** The header every imported spec starts with. */
export function importHeader(modelType: string, options: ImportOptions, about: string[]): string[] {
  return [
    `Imported by \`loom import\` from the Hugging Face config ${options.source}`,
    `(model_type "${modelType}").`,
    ...about,
    ...(options.context !== undefined
      ? [`Sequences are bounded at ${options.context} positions by --context.`]
      : []),
  ];
}

/**
 * The bound on the sequence: the context the config gives (`field`), or the shorter one asked
 * for with `--context`. A longer `--context` than the config's is an error.
 */
export function contextBound(
  cfg: ConfigReader,
  field: string,
  options: ImportOptions,
  fallback?: number,
): { table: number; bound: number } {
  const table = cfg.int(field, fallback);
  const asked = options.context;
  if (asked === undefined) return { table, bound: table };
  if (asked > table) {
    cfg.report(
      "E0904",
      field,
      `--context ${asked} is longer than the config's \`${field}\` = ${table}`,
      {
        label: `the model has ${table} positions`,
        hint: `pass --context ${table} or less`,
      },
    );
  }
  return { table, bound: Math.min(asked, table) };
}

/** Hugging Face activation names (ACT2FN) Loom computes exactly, as Loom's `act` option. */
const ACTIVATIONS: Record<string, string> = {
  gelu: "gelu",
  gelu_new: "gelu_tanh",
  gelu_pytorch_tanh: "gelu_tanh",
  relu: "relu",
  silu: "silu",
  swish: "silu",
};

/** The MLP activation of field `field` as Loom's `act`; E0905 for one Loom lacks. */
export function activation(cfg: ConfigReader, field: string, fallback: string): string {
  const name = cfg.string(field, fallback);
  const act = ACTIVATIONS[name];
  if (act) return act;
  cfg.unsupported(
    field,
    "Loom's activations are gelu (exact), gelu_new / gelu_pytorch_tanh (tanh form), relu and silu",
  );
  return "gelu";
}

/** A gated MLP's activation (silu·up or gelu·up) as Loom's gated `act`; E0905 for others. */
export function gatedActivation(cfg: ConfigReader, field: string, fallback: string): string {
  const act = activation(cfg, field, fallback);
  if (act === "silu") return "swiglu";
  if (act === "gelu") return "geglu";
  cfg.unsupported(field, "Loom's gated MLPs gate with silu (swiglu) or exact gelu (geglu) only");
  return "swiglu";
}

/** The encoder sizes BertConfig and ViTConfig share, with the defaults both give them. */
export function encoderSizes(cfg: ConfigReader) {
  return {
    d: cfg.int("hidden_size", 768),
    layers: cfg.int("num_hidden_layers", 12),
    heads: cfg.int("num_attention_heads", 12),
    ffn: cfg.int("intermediate_size", 3072),
    act: activation(cfg, "hidden_act", "gelu"),
    eps: cfg.positive("layer_norm_eps", 1e-12),
  };
}

/**
 * The number of classes when `architectures` names `architecture` (a checkpoint with a
 * classification head): `num_labels`, else the size of `id2label`, else transformers' 2.
 * Undefined when the checkpoint has no such head.
 */
export function classificationHead(cfg: ConfigReader, architecture: string): number | undefined {
  const architectures = cfg.raw("architectures");
  const labels = cfg.raw("id2label");
  const named = labels && typeof labels === "object" ? Object.keys(labels).length : 2;
  const classes = cfg.int("num_labels", named);
  cfg.ignore(["label2id"]);
  return Array.isArray(architectures) && architectures.includes(architecture) ? classes : undefined;
}
