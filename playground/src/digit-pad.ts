/**
 * Drawing a digit for an image classifier: strokes on a 224 × 224 canvas, then the ink's bounding
 * box scaled into 20 × 20 and centred in the model's 28 × 28 input, as MNIST's digits are.
 */
import { showAttention } from "./attention-view.ts";
import type { PageModel } from "./load-model.ts";

const pad = () => document.querySelector<HTMLCanvasElement>("#digit-pad")!;

/** The model's image input, [batch, channels, height, width] with static sizes, if it has one. */
export function imageInput(
  model: PageModel,
): { name: string; size: [number, number, number] } | undefined {
  const input = model.ir.inputs.find((i) => i.dtype === "float" && i.shape.length === 4);
  const [, c, h, w] = input?.shape ?? [];
  if (!input || typeof c !== "number" || typeof h !== "number" || typeof w !== "number")
    return undefined;
  return { name: input.name, size: [c, h, w] };
}

/** Lets the user draw with a mouse, pen or finger. */
export function enableDrawing(): void {
  const canvas = pad();
  const ctx = canvas.getContext("2d")!;
  let last: [number, number] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * canvas.width) / r.width,
      ((e.clientY - r.top) * canvas.height) / r.height,
    ];
  };
  canvas.addEventListener("pointerdown", (e) => {
    last = at(e);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const next = at(e);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 18;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...next);
    ctx.stroke();
    last = next;
  });
  canvas.addEventListener("pointerup", () => (last = undefined));
  clearPad();
}

export function clearPad(): void {
  const canvas = pad();
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

/** Empties the pad and the class list: what a model other than the one classifying must not show. */
export function clearClasses(): void {
  clearPad();
  const list = document.querySelector<HTMLOListElement>("#class-probabilities")!;
  list.replaceChildren();
  delete list.dataset["best"];
}

/** The drawing as the model's input (grey levels in [0, 1]), or undefined when nothing is drawn. */
function pixels(height: number, width: number, channels: number): Float64Array | undefined {
  const canvas = pad();
  const image = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
  let [x0, y0, x1, y1] = [canvas.width, canvas.height, -1, -1];
  for (let y = 0; y < canvas.height; y++)
    for (let x = 0; x < canvas.width; x++)
      if (image.data[(y * canvas.width + x) * 4]! > 32) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return undefined;
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  const ctx = small.getContext("2d")!;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, width, height);
  const box = (Math.min(width, height) * 20) / 28;
  const scale = box / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const w = (x1 - x0 + 1) * scale;
  const h = (y1 - y0 + 1) * scale;
  ctx.drawImage(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (width - w) / 2, (height - h) / 2, w, h);
  const data = ctx.getImageData(0, 0, width, height).data;
  const out = new Float64Array(channels * height * width);
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < height * width; i++) out[c * height * width + i] = data[i * 4]! / 255;
  return out;
}

/** Runs the classifier on the drawing and lists the class probabilities. */
export async function classify(model: PageModel, report: (message: string) => void): Promise<void> {
  const input = imageInput(model);
  const output = model.ir.outputs[0];
  if (!input || !output) return report("this model has no image input");
  const [c, h, w] = input.size;
  const data = pixels(h, w, c);
  if (!data) return report("draw a digit first");
  model.model.reset();
  const result = await model.model.forward(
    { [input.name]: { shape: [1, c, h, w], data } },
    "outputs",
  );
  const logits = Array.from(result.outputs[output.name]!.data);
  const top = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  const list = document.querySelector<HTMLOListElement>("#class-probabilities")!;
  const best = logits.indexOf(top);
  list.dataset["best"] = String(best);
  list.replaceChildren(
    ...exps.map((e, k) => {
      const li = document.createElement("li");
      const p = e / sum;
      li.textContent = `${(100 * p).toFixed(1).padStart(5)}%`;
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = `${Math.round(120 * p)}px`;
      li.append(bar);
      if (k === best) li.style.fontWeight = "700";
      return li;
    }),
  );
  const positions = model.ir.values.find(
    (v) => v.id === model.ir.nodes.find((n) => n.op === "attention")?.inputs["x"],
  )?.shape[1];
  if (typeof positions === "number")
    await showAttention(
      model,
      Array.from({ length: positions }, (_, i) => (i === 0 ? "cls" : String(i))),
    );
}
