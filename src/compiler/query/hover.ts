import type { TypedIr } from "../../contracts/ir/schema.ts";
import { findLayer } from "../layers/catalog.ts";
import { layerMarkdown } from "../layers/reference.ts";
import type { Located } from "./spec-index.ts";

/**
 * A value's shape with the dims it is made of named: `float[batch, seq, d=256]`. A static axis
 * names every dim of that size (`ctx|hidden=1024` when two share it).
 */
export function shapeText(ir: TypedIr, id: number): string | undefined {
  const value = ir.values.find((v) => v.id === id);
  if (!value) return undefined;
  if (value.kind === "position_bias") return "position bias";
  const axes = value.shape.map((axis) => {
    if (typeof axis === "string") return axis;
    const names = ir.dims.filter((d) => d.value === axis).map((d) => d.name);
    return names.length > 0 ? `${names.join("|")}=${axis}` : String(axis);
  });
  return `${value.dtype}[${axes.join(", ")}]`;
}

/** How a dynamic dim is bounded, from the IR: `seq <= 1024` or `batch (unbounded)`. */
function symbolText(ir: TypedIr | undefined, name: string): string {
  const symbol = ir?.symbols.find((s) => s.name === name);
  if (!symbol) return `${name} (dynamic)`;
  return symbol.bound === null ? `${name} (dynamic, unbounded)` : `${name} <= ${symbol.bound}`;
}

const code = (text: string): string => "```loom\n" + text + "\n```";

/** The hover text of a name, from every model that resolves it there. */
export function hoverText(found: readonly Located[]): string {
  const { occurrence } = found[0]!;
  const { name, kind } = occurrence;
  switch (kind) {
    case "layer":
      return layerMarkdown(findLayer(name)!);
    case "block":
      return `${code(`block ${name}`)}\nA block of this spec; go to its definition to read it.`;
    case "label":
      return `${code(`as ${name}`)}\nA layer's label: names its weights, and \`tied_to\` can share them.`;
    case "symbol":
      return `${code(symbolText(found[0]!.model.ir, name))}\nA dynamic dim, sized at run time.`;
    default:
      return valueHover(found);
  }
}

function valueHover(found: readonly Located[]): string {
  const { name, kind, scalar } = found[0]!.occurrence;
  if (scalar !== undefined) return `${code(`${name} = ${scalar}`)}\n${describe(kind)}`;
  const shapes = new Set<string>();
  let unchecked = false;
  for (const { occurrence, model } of found) {
    for (const id of occurrence.tensors) {
      const shape = model.ir && shapeText(model.ir, id);
      if (shape) shapes.add(shape);
      else unchecked = true;
    }
  }
  const lines = [...shapes].map((shape) => `${name}: ${shape}`);
  if (lines.length === 0)
    return `${code(name)}\n${describe(kind)}; its shape is known once the model checks without errors.`;
  const note = unchecked ? "\nSome expansions are not checked yet (the model has errors)." : "";
  return `${code(lines.join("\n"))}\n${describe(kind)}${note}`;
}

function describe(kind: string): string {
  if (kind === "dim") return "A dim of the model.";
  if (kind === "param") return "A parameter of the block.";
  if (kind === "input") return "An input of the model.";
  return "A value.";
}
