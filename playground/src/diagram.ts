/**
 * The architecture drawn from the typed IR as SVG: one box per node in execution order, the
 * main path straight down with each value's shape on its edge, every other input (a residual,
 * a skip) as an arc on the right, and each repeated block (`h.0`, `h.1`, …) framed.
 */
import type { TypedIr, TypedNode } from "../../src/api/browser.ts";

const BOX_W = 210;
const BOX_H = 34;
const ROW = 62;
const LEFT = 60;
const TOP = 12;
const ARC = 26;
/**
 * The room for a label inside its box: the box less its padding on both sides. A block's label
 * gets the room left of the main path instead (BOX_W / 2 - 10).
 */
const LABEL_W = BOX_W - 16;

function escape(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot" }[c]};`,
  );
}

/** The text, cut to `most` characters with an ellipsis. */
function clip(text: string, most: number): string {
  return text.length <= most ? text : `${text.slice(0, most - 1)}…`;
}

/** `[batch, seq, 128]` */
function shapeText(ir: TypedIr, value: number): string {
  const v = ir.values.find((x) => x.id === value);
  if (!v) return "";
  return v.kind === "tensor" ? `[${v.shape.join(", ")}]` : v.kind;
}

/** The block a node belongs to: its repeat scope and index (`h.0`), or none. */
function blockOf(node: TypedNode): string | undefined {
  const m = /^(.+?\.\d+)\./.exec(node.name);
  return m?.[1];
}

/** What a box says under its op: the attributes a reader looks for. */
function detail(node: TypedNode): string {
  const a = node.attrs;
  const parts: string[] = [];
  for (const key of ["heads", "kv_heads", "experts", "top_k", "hidden", "act", "out", "vocab"])
    if (a[key] !== undefined && a[key] !== null && !(key === "kv_heads" && a[key] === a["heads"]))
      parts.push(`${key} ${String(a[key])}`);
  if (a["causal"] === true) parts.push("causal");
  if (typeof a["rope"] === "number") parts.push("rope");
  return parts.join(" · ");
}

/** The SVG of a model's dataflow. */
export function architectureSvg(ir: TypedIr): string {
  // Rows: the inputs, then the nodes; each value knows the row that produced it.
  const rows: { title: string; sub: string; output?: string; block?: string; kind: string }[] = [];
  const producer = new Map<number, number>();
  for (const input of ir.inputs) {
    producer.set(input.value, rows.length);
    rows.push({ title: input.name, sub: `input ${input.dtype}`, kind: "input" });
  }
  const edges: { from: number; to: number; label: string; straight: boolean }[] = [];
  for (const node of ir.nodes) {
    const row = rows.length;
    for (const value of Object.values(node.inputs)) {
      const from = producer.get(value);
      if (from === undefined) continue;
      edges.push({ from, to: row, label: shapeText(ir, value), straight: from === row - 1 });
    }
    producer.set(node.output, row);
    const output = ir.outputs.find((o) => o.value === node.output)?.name;
    rows.push({
      title: node.op,
      sub: [node.name, detail(node)].filter(Boolean).join(" — "),
      kind: "node",
      ...(output ? { output } : {}),
      ...(blockOf(node) ? { block: blockOf(node)! } : {}),
    });
  }
  const y = (row: number) => TOP + row * ROW;
  const parts: string[] = [];

  // Block frames behind the boxes.
  for (let i = 0; i < rows.length;) {
    const block = rows[i]!.block;
    let j = i;
    while (j + 1 < rows.length && block !== undefined && rows[j + 1]!.block === block) j++;
    if (block !== undefined)
      parts.push(
        `<rect x="${LEFT - 14}" y="${y(i) - 8}" width="${BOX_W + 28 + 3 * ARC}" height="${y(j) - y(i) + BOX_H + 16}" rx="8" class="block"/>`,
        `<text x="${LEFT - 10}" y="${y(i) + 2}" class="block-label" data-fit="${BOX_W / 2 - 10}">${escape(block)}</text>`,
      );
    i = j + 1;
  }
  // Edges: the main path down the middle, the others as arcs on the right, nested by span.
  const arcs = edges.filter((e) => !e.straight).sort((a, b) => a.to - a.from - (b.to - b.from));
  for (const e of edges.filter((e) => e.straight)) {
    const x = LEFT + BOX_W / 2;
    parts.push(
      `<line x1="${x}" y1="${y(e.from) + BOX_H}" x2="${x}" y2="${y(e.to)}" class="edge" marker-end="url(#arrow)"/>`,
      `<text x="${x + 6}" y="${(y(e.from) + BOX_H + y(e.to)) / 2 + 4}" class="shape">${escape(e.label)}</text>`,
    );
  }
  arcs.forEach((e) => {
    const x = LEFT + BOX_W;
    const reach = x + ARC * (1 + Math.min(3, Math.floor(Math.log2(e.to - e.from))));
    const y1 = y(e.from) + BOX_H / 2;
    const y2 = y(e.to) + BOX_H / 2;
    parts.push(
      `<path d="M ${x} ${y1} C ${reach} ${y1}, ${reach} ${y2}, ${x + 2} ${y2}" class="edge residual" marker-end="url(#arrow)"><title>${escape(e.label)}</title></path>`,
    );
  });
  rows.forEach((r, i) => {
    parts.push(
      `<g class="${r.kind}"><title>${escape([r.title, r.sub].join(": "))}</title>`,
      `<rect x="${LEFT}" y="${y(i)}" width="${BOX_W}" height="${BOX_H}" rx="5"/>`,
      `<text x="${LEFT + 8}" y="${y(i) + 14}" class="op" data-fit="${LABEL_W}">${escape(r.title)}</text>`,
      `<text x="${LEFT + 8}" y="${y(i) + 27}" class="sub" data-fit="${LABEL_W}">${escape(clip(r.sub, 38))}</text></g>`,
    );
    if (r.output)
      parts.push(
        `<text x="${LEFT + BOX_W / 2}" y="${y(i) + BOX_H + 16}" class="output" text-anchor="middle">↓ output ${escape(r.output)}</text>`,
      );
  });
  const width = LEFT + BOX_W + 5 * ARC + 20;
  const height = y(rows.length) + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="architecture of ${escape(ir.model)}">
<style>
  rect { fill: #fff; stroke: #555; } .input rect { fill: #eef3f8; } .block { fill: #f4f1ea; stroke: #d8cfbd; stroke-dasharray: 4 3; }
  text { font: 11px system-ui, sans-serif; fill: #222; } .op { font-weight: 600; } .sub { fill: #666; font-size: 10px; }
  .shape { fill: #1b6e8c; font: 10px ui-monospace, monospace; } .block-label { fill: #8a7a55; font-size: 10px; }
  .output { fill: #8e3ca8; font-weight: 600; } .edge { stroke: #555; fill: none; } .residual { stroke: #3a6ea5; stroke-dasharray: 5 3; }
</style>
<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>
${parts.join("\n")}
</svg>`;
}

/**
 * Shortens each box label, with an ellipsis, until it fits its box as the browser renders it
 * (the 38-character cut above is only a first guess: fonts differ). The full text stays in the
 * box's tooltip.
 */
export function fitLabels(container: Element): void {
  for (const text of container.querySelectorAll<SVGTextElement>("text[data-fit]")) {
    const most = Number(text.dataset["fit"]);
    const full = (text.textContent ?? "").replace(/…$/, "");
    for (let n = full.length; n > 1 && text.getComputedTextLength() > most; n--)
      text.textContent = `${full.slice(0, n - 1)}…`;
  }
}
