/** The attention map panel: a layer and a head chosen, the map read from the device, drawn as a heatmap. */
import { readAttentionMap } from "../../src/api/browser.ts";
import type { PageModel } from "./load-model.ts";

const layerSelect = () => document.querySelector<HTMLSelectElement>("#attention-layer")!;
const headSelect = () => document.querySelector<HTMLSelectElement>("#attention-head")!;

/** What the last forward pass attended over: the model and a label per position. */
let shown: { model: PageModel; labels: string[] } | undefined;

/** Fills the layer and head choices for a newly loaded model (hidden when it has no maps). */
export function offerLayers(model: PageModel): void {
  hideAttention();
  const layers = model.maps.layers;
  document.querySelector<HTMLElement>("#attention")!.hidden = layers.length === 0;
  layerSelect().replaceChildren(...layers.map((l, i) => new Option(`${l.node}`, String(i))));
  headSelect().replaceChildren(
    ...Array.from({ length: layers[0]?.heads ?? 0 }, (_, h) => new Option(`head ${h}`, String(h))),
  );
}

/** Hides the panel and forgets the map: no model, or a new one without a forward pass yet. */
export function hideAttention(): void {
  document.querySelector<HTMLElement>("#attention")!.hidden = true;
  shown = undefined;
  layerSelect().replaceChildren();
  headSelect().replaceChildren();
  const canvas = document.querySelector<HTMLCanvasElement>("#attention-map")!;
  canvas.getContext("2d")!.clearRect(0, 0, canvas.width, canvas.height);
  delete canvas.dataset["positions"];
}

/** Draws the map of the chosen layer and head over the last prefill's positions. */
export async function showAttention(model: PageModel, labels: string[]): Promise<void> {
  shown = { model, labels };
  const layer = model.maps.layers[Number(layerSelect().value)];
  if (!layer || labels.length === 0) return;
  const rows = await readAttentionMap(
    model.model,
    layer,
    Number(headSelect().value),
    labels.length,
  );
  draw(rows, labels);
}

/** Redraws when the user picks another layer or head. */
export function watchAttentionChoices(): void {
  const redraw = () => {
    if (shown) void showAttention(shown.model, shown.labels);
  };
  layerSelect().addEventListener("change", redraw);
  headSelect().addEventListener("change", redraw);
}

/** A heatmap: row = query, column = key; brightness = weight (each row sums to 1). */
function draw(rows: Float32Array[], labels: string[]): void {
  const canvas = document.querySelector<HTMLCanvasElement>("#attention-map")!;
  const ctx = canvas.getContext("2d")!;
  const n = rows.length;
  const margin = 28;
  const cell = Math.max(1, Math.floor((canvas.width - margin) / n));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  rows.forEach((row, q) =>
    row.forEach((p, k) => {
      const shade = Math.round(255 * (1 - Math.sqrt(Math.min(1, Math.max(0, p)))));
      ctx.fillStyle = `rgb(${shade}, ${shade}, 255)`;
      ctx.fillRect(margin + k * cell, margin + q * cell, cell, cell);
    }),
  );
  if (cell >= 8) {
    ctx.fillStyle = "#333";
    ctx.font = `${Math.min(12, cell - 1)}px ui-monospace, monospace`;
    ctx.textAlign = "center";
    labels.forEach((label, i) => {
      const text = label === "\n" ? "↵" : label === " " ? "·" : label.slice(0, 3);
      ctx.fillText(text, margin + i * cell + cell / 2, margin - 6);
      ctx.fillText(text, margin / 2, margin + i * cell + cell * 0.75);
    });
  }
  canvas.dataset["positions"] = String(n);
}
