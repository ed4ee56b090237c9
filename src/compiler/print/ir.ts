/**
 * The typed IR as text, one line per node, the way compilers print their IR:
 *
 *   %5 = attention(%4, heads=4, causal) : float[batch, seq <= 64, 64]  # h.0.attention, 16,640 params  (spec.loom:10:13)
 *
 * Values are `%id`; symbolic dims keep their names and show their upper bound where one is known.
 * `loom check --emit ir` prints this; `--emit ir-json` prints the TypedIr itself.
 */
import { dimFromJson, dimStatic, dimUpperBound, formatDim } from "../../contracts/dims.ts";
import type { SourceRef, TypedIr, TypedNode, ValueType } from "../../contracts/ir/schema.ts";
import { groupDigits } from "../summary/units.ts";

/** Operand roles printed by position; any other role (memory, padding…) is printed `role=%id`. */
const POSITIONAL_ROLES = new Set(["x", "a", "b", "ids", "image"]);
const BARE_WORD = /^[A-Za-z_][A-Za-z0-9_.]*$/;

type Bounds = ReadonlyMap<string, number | undefined>;

/** The whole model: a header (dims, symbols, inputs), one line per node, then the outputs. */
export function printIr(ir: TypedIr): string {
  const bounds: Bounds = new Map(ir.symbols.map((s) => [s.name, s.bound ?? undefined]));
  const values = new Map(ir.values.map((v) => [v.id, v]));
  const type = (id: number) => formatValueType(values.get(id), bounds);
  const symbols = ir.symbols.map((s) =>
    s.bound === null ? s.name : `${s.name} <= ${s.bound}${s.truncate ? " truncate" : ""}`,
  );
  return [
    `model ${ir.model}: ${ir.nodes.length} nodes, ${ir.values.length} values${ir.tokenizer ? `, tokenizer "${ir.tokenizer}"` : ""}`,
    `dims ${ir.dims.map((d) => `${d.name} = ${d.value}`).join(", ") || "(none)"}`,
    `symbols ${symbols.join(", ") || "(none)"}`,
    ...ir.inputs.map((i) => `input %${i.value} ${i.name} : ${type(i.value)}  (${where(i.source)})`),
    ...ir.nodes.map((n) => printNode(n, type)),
    ...ir.outputs.map(
      (o) => `output ${o.name} = %${o.value} : ${type(o.value)}  (${where(o.source)})`,
    ),
    "",
  ].join("\n");
}

/** One node: `%out = op(operands, attrs) : type  # name, params  (file:line:column)`. */
export function printNode(node: TypedNode, type: (id: number) => string): string {
  const operands = Object.entries(node.inputs).map(([role, id]) =>
    POSITIONAL_ROLES.has(role) ? `%${id}` : `${role}=%${id}`,
  );
  const attrs = Object.entries(node.attrs).flatMap(([name, value]) => formatAttr(name, value));
  const parameters = node.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const notes = [
    node.name,
    ...(parameters > 0 ? [`${groupDigits(parameters)} params`] : []),
    ...(node.tiedTo ? [`weights of ${node.tiedTo}`] : []),
  ];
  return `%${node.output} = ${node.op}(${[...operands, ...attrs].join(", ")}) : ${type(node.output)}  # ${notes.join(", ")}  (${where(node.source)})`;
}

/** `float[batch, seq <= 64, 64]`, or `position_bias` for the tables attention applies. */
export function formatValueType(value: ValueType | undefined, bounds: Bounds): string {
  if (value === undefined) return "?";
  if (value.kind === "position_bias") return "position_bias";
  return `${value.dtype}[${value.shape.map((d) => formatBoundedDim(d, bounds)).join(", ")}]`;
}

/** A dim with its upper bound when it is symbolic and every symbol in it has one. */
function formatBoundedDim(dim: number | string, bounds: Bounds): string {
  const parsed = dimFromJson(dim);
  if (parsed === undefined) return String(dim);
  if (dimStatic(parsed) !== undefined) return formatDim(parsed);
  const bound = dimUpperBound(parsed, bounds);
  return bound === undefined ? formatDim(parsed) : `${formatDim(parsed)} <= ${bound}`;
}

/** `causal` for true, `bias=false`, `heads=4`, `act=gelu_tanh`; nothing for an unused (null) one. */
function formatAttr(name: string, value: number | string | boolean | null): string[] {
  if (value === null) return [];
  if (value === true) return [name];
  if (typeof value === "string" && !BARE_WORD.test(value))
    return [`${name}=${JSON.stringify(value)}`];
  return [`${name}=${value}`];
}

function where(source: SourceRef): string {
  return `${source.file}:${source.line}:${source.column}`;
}
