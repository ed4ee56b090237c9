/**
 * `loom export --format hf`: a checked spec to a Hugging Face config.json. The spec's structure
 * picks a family, the family's writer reads the config fields off the typed IR, and the config is
 * imported again (src/compiler/import/hf/): it is returned only when that import gives back
 * exactly the spec's layers, so a written config always means the spec. Otherwise the first
 * layer that differs is named (E0921); a spec no family resembles is E0920.
 */
import { DiagnosticBag, type Diagnostic } from "../../../contracts/diagnostics/diagnostic.ts";
import type { Span } from "../../../contracts/source.ts";
import type { SourceRef, TypedIr } from "../../../contracts/ir/schema.ts";
import { analyse, type ModelStructure } from "../../../formats/weights/structure.ts";
import { checkSpec } from "../../compile.ts";
import { importHfConfig } from "../../import/hf/import.ts";
import { bertConfig } from "./bert.ts";
import { compareIr } from "./compare.ts";
import { opsOf, shapeOf, type HfConfig, type Shape } from "./family.ts";
import { gpt2Config } from "./gpt2.ts";
import { llamaConfig } from "./llama.ts";
import { t5Config } from "./t5.ts";
import { vitConfig } from "./vit.ts";

interface Writer {
  fits: (ir: TypedIr, s: ModelStructure) => boolean;
  write: (ir: TypedIr, s: ModelStructure) => HfConfig;
}

/** A family whose models are one repeat stack, told apart by that stack and what is around it. */
function oneStack(fits: (s: Shape) => boolean, write: (s: Shape) => HfConfig): Writer {
  return {
    fits: (ir, s) => {
      const shape = shapeOf(ir, s);
      return shape !== undefined && fits(shape);
    },
    write: (ir, s) => write(shapeOf(ir, s)!),
  };
}

/** The families a spec can be written as, tried in order. */
const WRITERS: Writer[] = [
  {
    fits: (ir, s) =>
      s.stacks.length === 2 &&
      ir.nodes.some((n) => n.op === "cross_attention") &&
      ir.nodes.some((n) => n.op === "relative_position_bias"),
    write: t5Config,
  },
  oneStack((s) => s.before.some((n) => n.op === "patch_embed"), vitConfig),
  oneStack(
    (s) => s.layer.some((n) => n.op === "moe" || typeof n.attrs["rope"] === "number"),
    llamaConfig,
  ),
  oneStack(
    (s) =>
      s.before.some((n) => n.op === "learned_positions") &&
      s.layer.some((n) => n.op === "attention" && n.attrs["causal"] === true),
    gpt2Config,
  ),
  oneStack(
    (s) =>
      s.before.some((n) => n.op === "learned_positions") &&
      s.layer.some((n) => n.op === "attention" && n.attrs["causal"] !== true),
    bertConfig,
  ),
];

/** The families `loom export --format hf` writes. */
export const EXPORT_FAMILIES = ["gpt2", "bert", "t5", "vit", "llama", "mixtral"] as const;

export interface HfExportResult {
  /** The config, when the spec is exactly one family's model. */
  config?: HfConfig;
  diagnostics: Diagnostic[];
}

const spanOf = (ref: SourceRef): Span => ({ file: ref.file, start: ref.start, end: ref.end });

/** Writes the config.json of a checked spec's typed IR, or says why it cannot. */
export async function exportHfConfig(ir: TypedIr): Promise<HfExportResult> {
  const bag = new DiagnosticBag();
  const whole = spanOf(ir.outputs[0]?.source ?? ir.nodes[0]!.source);
  const structure = analyse(ir);
  const writer = WRITERS.find((w) => w.fits(ir, structure));
  if (!writer) {
    const stacks = structure.stacks.length;
    bag.report("E0920", whole, `no Hugging Face family fits the model \`${ir.model}\``, {
      notes: [
        `the spec uses ${opsOf(ir).join(", ")} in ${stacks} repeat stack${stacks === 1 ? "" : "s"}`,
        `families written: ${EXPORT_FAMILIES.join(", ")}`,
      ],
      hint: "export it as ONNX (`--format onnx`), which takes any spec, or write it in one of these families' shapes",
    });
    return { diagnostics: bag.items };
  }
  const config = writer.write(ir, structure);
  const text = `${JSON.stringify(config.config, null, 2)}\n`;
  const imported = await importHfConfig(text, "config.json", {
    name: ir.model,
    ...(config.context !== undefined ? { context: config.context } : {}),
  });
  const problem = imported.diagnostics.find((d) => d.severity === "error");
  const back = imported.spec
    ? checkSpec("exported.loom", () => imported.spec!).models[0]?.ir
    : undefined;
  if (problem || !back) {
    bag.report(
      "E0921",
      whole,
      `the model \`${ir.model}\` is not expressible as a ${config.modelType} config`,
      {
        notes: [
          `the ${config.modelType} config written from it does not import: ${problem?.code ?? "E0907"} ${problem?.message ?? "no spec"}`,
          ...(problem?.notes ?? []),
        ],
        hint: `export it as ONNX (\`--format onnx\`), or write the spec as a ${config.modelType} model (\`loom import\` of a ${config.modelType} config shows one)`,
      },
    );
    return { diagnostics: bag.items };
  }
  const difference = compareIr(ir, back);
  if (difference) {
    const node = difference.node;
    bag.report(
      "E0921",
      node ? spanOf(node.source) : whole,
      `the model \`${ir.model}\` is not expressible as a ${config.modelType} config: ${node ? `\`${node.name}\` (${node.op}): ` : ""}${difference.what}`,
      {
        ...(node ? { label: difference.what } : {}),
        notes: [
          `a ${config.modelType} config gives ${back.nodes.length} IR nodes, the spec has ${ir.nodes.length}`,
          "the exporter writes a config only when importing it gives back exactly the spec's layers",
        ],
        hint: `export it as ONNX (\`--format onnx\`), or write the spec as a ${config.modelType} model (\`loom import\` of a ${config.modelType} config shows one)`,
      },
    );
    return { diagnostics: bag.items };
  }
  return { config, diagnostics: bag.items };
}
