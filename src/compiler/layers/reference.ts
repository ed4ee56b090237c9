import { LAYERS } from "./catalog.ts";
import type { ParamSpec } from "./signature.ts";

function defaultText(p: ParamSpec): string {
  if (p.required) return "required";
  if (p.default === null || p.default === undefined) return "derived";
  return `\`${String(p.default)}\``;
}

function kindText(p: ParamSpec): string {
  if (p.kind === "enum") return (p.values ?? []).join(" \\| ");
  return p.kind;
}

/** The layer reference of docs/language.md, as Markdown, from the catalog itself. */
export function layerReferenceMarkdown(): string {
  return LAYERS.map((layer) => {
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
  }).join("\n\n");
}
