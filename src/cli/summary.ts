import { checkSpec, type Diagnostic, renderPretty, SourceSet } from "../api/check.ts";
import {
  CATEGORIES,
  DEFAULT_SEQ_CAP,
  defaultSeq,
  type ModelSummary,
  summarize,
  groupDigits,
  humanBytes,
  humanCount,
  humanFlops,
} from "../api/summary.ts";
import { EXIT, expandSpecPaths, readText, type Io } from "./io.ts";

export interface SummaryOptions {
  /** Print JSON (one object per model, an array when there are several) instead of a table. */
  json: boolean;
  /** Sequences per batch for the memory figures. */
  batch: number;
  /**
   * Positions per sequence. Default: the model's sequence bound, capped at 2048 (a ViT, which has
   * no sequence dim, uses its number of patch tokens).
   */
  seq?: number;
}

/** The conventions behind the figures, printed under every text summary. */
const CONVENTIONS = [
  "FLOPs: forward pass, 2 per multiply-accumulate of each matmul (MoE: router, top_k experts and",
  "  the shared expert), plus 2·2·keys·heads·head_dim per query for attention scores and the",
  "  weighted sum (keys = seq, the source length for cross-attention); one sequence's total",
  "  divided by its length. Norms, activations and adds are not counted.",
  "Memory: 4 bytes per element. KV cache: K and V of every causal self-attention and every",
  "  cross-attention. Activations: peak of live tensors running node by node, each attention's",
  "  batch × heads × queries × keys score matrix included; weights excluded.",
  "Sizes: dynamic dims named like batch take --batch, the others --seq (default: the bound, at",
  `  most ${DEFAULT_SEQ_CAP}), each capped at its bound.`,
];

/**
 * `loom summary FILES`: parameters (per component), FLOPs per token, weight, KV-cache and
 * activation memory of each model. Exit 0 when every spec checked, 1 when one has errors (its
 * diagnostics go to stderr), 2 for a missing file or a bad option.
 */
export function runSummary(paths: string[], opts: SummaryOptions, io: Io): number {
  for (const [name, value] of [
    ["batch", opts.batch],
    ["seq", opts.seq],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      io.stderr(`error: --${name} must be a positive integer, got ${value}\n`);
      return EXIT.usage;
    }
  }
  const { files, missing } = expandSpecPaths(paths);
  for (const path of missing)
    io.stderr(`error: cannot read "${path}": no such file or directory\n`);
  if (files.length === 0 && missing.length === 0) {
    io.stderr("error: no .loom files found in the given paths\n");
    return EXIT.usage;
  }

  const sources = new SourceSet();
  const diagnostics: Diagnostic[] = [];
  const summaries: { file: string; summary: ModelSummary }[] = [];
  let unreadable = missing.length > 0;
  for (const file of files) {
    const result = checkSpec(file, readText, sources);
    if (result.diagnostics.some((d) => d.code === "E0103")) unreadable = true;
    diagnostics.push(...result.diagnostics);
    for (const model of result.models) {
      if (!model.ir) continue;
      const seq = opts.seq ?? defaultSeq(model.ir);
      summaries.push({ file, summary: summarize(model.ir, { batch: opts.batch, seq }) });
    }
  }

  if (opts.json) {
    const objects = summaries.map((s) => s.summary);
    if (objects.length > 0)
      io.stdout(`${JSON.stringify(objects.length === 1 ? objects[0] : objects, null, 2)}\n`);
  } else if (summaries.length > 0) {
    const tables = summaries.map((s) => renderSummary(s.summary, s.file));
    io.stdout(`${tables.join("\n\n")}\n\n${CONVENTIONS.join("\n")}\n`);
  }

  const rendered = renderPretty(diagnostics, sources, {
    color: io.color?.stderr ?? false,
  });
  if (rendered) io.stderr(rendered);
  if (unreadable) return EXIT.usage;
  return diagnostics.some((d) => d.severity === "error") ? EXIT.errors : EXIT.ok;
}

/** One model's summary as an aligned table: label, exact figure, human figure. */
export function renderSummary(s: ModelSummary, file: string): string {
  const rows: [string, string, string][] = [];
  const count = (label: string, n: number) => rows.push([label, groupDigits(n), humanCount(n)]);
  const bytes = (label: string, n: number) => rows.push([label, groupDigits(n), humanBytes(n)]);

  count("parameters", s.parameters);
  for (const [category, n] of Object.entries(s.components.byCategory)) {
    if (n > 0 || (CATEGORIES as readonly string[]).includes(category)) count(`  ${category}`, n);
  }
  for (const [scope, n] of Object.entries(s.components.byScope)) count(`  scope ${scope}`, n);
  rows.push(["FLOPs per token", groupDigits(s.flopsPerToken), humanFlops(s.flopsPerToken)]);
  bytes("weights, f32", s.weightBytes.f32);
  bytes("weights, f16", s.weightBytes.f16);
  bytes("KV cache, f32", s.kvCacheBytes);
  bytes("activations, f32 peak", s.activationBytes);

  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map(
    ([label, exact, human]) =>
      `  ${label.padEnd(widths[0]!)}  ${exact.padStart(widths[1]!)}  ${human.padStart(widths[2]!)}`,
  );
  return [`${s.model} (${file}), batch ${s.batch}, seq ${s.seq}`, ...lines].join("\n");
}
