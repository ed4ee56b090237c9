/**
 * Whether two typed IRs compute the same function with the same weights: node by node, the op,
 * every attribute, which values it reads, its weights' names and shapes, and what it is tied to;
 * then the inputs and outputs. Node names, value numbering, dim and input names may differ.
 */
import type { TypedIr, TypedNode } from "../../../contracts/ir/schema.ts";

/** The first difference: the spec's node (absent for a model-level one) and what differs. */
export interface IrDifference {
  node?: TypedNode;
  what: string;
}

/** How a node reads a value: from the model's k-th input, or the k-th node's output. */
function refs(ir: TypedIr): Map<number, string> {
  const out = new Map<number, string>();
  ir.inputs.forEach((input, k) => out.set(input.value, `input ${k + 1} (\`${input.name}\`)`));
  ir.nodes.forEach((node, k) => out.set(node.output, `node ${k + 1} (${node.op})`));
  return out;
}

/** Shapes with the symbols renamed by their order (`batch`, `seq` → `#0`, `#1`), bounds kept. */
function shapeText(ir: TypedIr, shape: readonly (number | string)[]): string {
  const text = shape.map((dim) => {
    if (typeof dim === "number") return String(dim);
    let out = dim;
    ir.symbols.forEach((s, k) => {
      out = out.replace(new RegExp(`\\b${s.name}\\b`, "g"), () => `#${k}<=${s.bound ?? "∞"}`);
    });
    return out;
  });
  return `[${text.join(", ")}]`;
}

const show = (value: unknown) => (value === undefined ? "absent" : JSON.stringify(value));

function compareNode(
  ours: TypedNode,
  theirs: TypedNode,
  our: Map<number, string>,
  their: Map<number, string>,
  a: TypedIr,
  b: TypedIr,
): string | undefined {
  if (ours.op !== theirs.op) return `it is \`${ours.op}\` where the config has \`${theirs.op}\``;
  const keys = new Set([...Object.keys(ours.attrs), ...Object.keys(theirs.attrs)]);
  for (const key of keys) {
    const x = ours.attrs[key];
    const y = theirs.attrs[key];
    if (x !== y) return `its \`${key}\` is ${show(x)} where the config gives ${show(y)}`;
  }
  const roles = new Set([...Object.keys(ours.inputs), ...Object.keys(theirs.inputs)]);
  for (const role of roles) {
    const x = ours.inputs[role];
    const y = theirs.inputs[role];
    const from = x === undefined ? "nothing" : our.get(x);
    const to = y === undefined ? "nothing" : their.get(y);
    if (from !== to) return `its \`${role}\` reads ${from} where the config's reads ${to}`;
  }
  const weights = (n: TypedNode) => n.weights.map((w) => `${w.name}${JSON.stringify(w.shape)}`);
  const w1 = weights(ours).join(", ");
  const w2 = weights(theirs).join(", ");
  if (w1 !== w2) return `its weights are ${w1 || "none"} where the config's are ${w2 || "none"}`;
  const tied = (ir: TypedIr, n: TypedNode) =>
    n.tiedTo === null ? "nothing" : `node ${ir.nodes.findIndex((m) => m.name === n.tiedTo) + 1}`;
  if (tied(a, ours) !== tied(b, theirs))
    return `it is tied to ${tied(a, ours)} where the config ties it to ${tied(b, theirs)}`;
  const s1 = shapeText(a, a.values.find((v) => v.id === ours.output)?.shape ?? []);
  const s2 = shapeText(b, b.values.find((v) => v.id === theirs.output)?.shape ?? []);
  if (s1 !== s2) return `its output is ${s1} where the config's is ${s2}`;
  return undefined;
}

/** The first way `ours` differs from `theirs`, or undefined when they are the same model. */
export function compareIr(ours: TypedIr, theirs: TypedIr): IrDifference | undefined {
  const our = refs(ours);
  const their = refs(theirs);
  const count = Math.min(ours.nodes.length, theirs.nodes.length);
  for (let k = 0; k < count; k++) {
    const node = ours.nodes[k]!;
    const what = compareNode(node, theirs.nodes[k]!, our, their, ours, theirs);
    if (what) return { node, what };
  }
  if (ours.nodes.length !== theirs.nodes.length) {
    const extra = ours.nodes[count];
    return extra
      ? { node: extra, what: `the config's model ends before this layer` }
      : {
          what: `the spec ends after ${count} layers, where the config goes on with \`${theirs.nodes[count]!.op}\``,
        };
  }
  const inputs = (ir: TypedIr) =>
    ir.inputs.map((i) => `${i.dtype}${shapeText(ir, i.shape)}`).join(", ");
  if (inputs(ours) !== inputs(theirs))
    return { what: `the spec's inputs are ${inputs(ours)}, the config's ${inputs(theirs)}` };
  const outputs = (ir: TypedIr, r: Map<number, string>) =>
    ir.outputs.map((o) => r.get(o.value)).join(", ");
  if (outputs(ours, our) !== outputs(theirs, their))
    return {
      what: `the spec's outputs are ${outputs(ours, our)}, the config's ${outputs(theirs, their)}`,
    };
  return undefined;
}
