import { LAYERS } from "./catalog.ts";
import type { LayerSignature, ParamSpec } from "./signature.ts";

/** A parameter's default as the reference shows it: `required`, `derived` or the value. */
export function defaultText(p: ParamSpec): string {
  if (p.required) return "required";
  if (p.default === null || p.default === undefined) return "derived";
  return `\`${String(p.default)}\``;
}

/** A parameter's kind as the reference shows it; an enum lists its values. */
export function kindText(p: ParamSpec): string {
  if (p.kind === "enum") return (p.values ?? []).join(" \\| ");
  return p.kind;
}

/** The layer reference of docs/language.md, as Markdown, from the catalog itself. */
export function layerReferenceMarkdown(): string {
  return LAYERS.map(layerMarkdown).join("\n\n");
}

/** One layer's entry of the reference: heading, description, example and argument table. */
export function layerMarkdown(layer: LayerSignature): string {
  const rows = layer.params.map(
    (p) =>
      `| \`${p.name}\` | ${kindText(p)} | ${p.positional ? "yes" : "no"} | ${defaultText(p)} | ${p.doc} |`,
  );
  const alias = layer.fixed
    ? ` Elaborates to \`${layer.op}\` with ${Object.entries(layer.fixed)
        .map(([k, v]) => `${k} = ${String(v)}`)
        .join(", ")}.`
    : "";
  return [
    `### \`${layer.name}\``,
    "",
    `${layer.doc}${alias}`,
    "",
    "```",
    layer.example,
    "```",
    "",
    "| argument | kind | positional | default | meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
