import type { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import { type Dim, dimFromJson, dimStatic, dimToJson } from "../../contracts/dims.ts";
import type { ElaboratedModel } from "../elaborate/elaborate.ts";
import type { LayerNode, TypedIr, TypedNode, ValueType } from "../../contracts/ir/schema.ts";
import { reporter, type RuleContext, type RuleResult, type TensorType } from "./context.ts";
import { RULES } from "./rules/index.ts";
import { MAX_WEIGHT_TENSORS, tensorsFit } from "./tensor-size.ts";

/**
 * Gives every value a shape over static and symbolic dims, node by node, reporting each
 * layer whose operands do not fit. Returns the typed IR when no layer failed.
 */
export function checkModel(
  model: ElaboratedModel,
  diagnostics: DiagnosticBag,
): TypedIr | undefined {
  const { ir, origins } = model;
  const types = new Map<number, TensorType>();
  const results = new Map<string, { node: LayerNode; result: RuleResult }>();
  const bounds = new Map(ir.symbols.map((s) => [s.name, s.bound ?? undefined]));
  const symbolNotes = new Map(
    ir.symbols.map((s) => {
      const where = `${s.source.file}:${s.source.line}:${s.source.column}`;
      return [
        s.name,
        `${s.name}${s.bound === null ? " is unbounded" : ` <= ${s.bound}`} (${where})`,
      ];
    }),
  );
  const report = reporter(diagnostics);
  const failedNames = new Set<string>();
  let failed = false;
  let weightTensors = 0;

  for (const input of ir.inputs) {
    const shape = input.shape.map((d) => dimFromJson(d)).filter((d): d is Dim => d !== undefined);
    types.set(input.value, { kind: "tensor", dtype: input.dtype, shape });
  }

  const typedNodes: TypedNode[] = [];
  for (const node of ir.nodes) {
    const inputs: Record<string, TensorType> = {};
    let missing = false;
    for (const [role, id] of Object.entries(node.inputs)) {
      const t = types.get(id);
      if (t) inputs[role] = t;
      else missing = true;
    }
    const rule = RULES[node.op];
    if (missing || !rule) {
      failed = true;
      failedNames.add(node.name);
      continue;
    }
    const ctx: RuleContext = {
      node,
      origin: origins[node.id]!,
      inputs,
      bounds,
      symbolNotes,
      nodeByName: (name) => results.get(name),
      nodeFailed: (name) => failedNames.has(name),
      report,
    };
    const checked = rule(ctx);
    const result = checked && tensorsFit(ctx, checked) ? checked : undefined;
    if (!result) {
      failed = true;
      failedNames.add(node.name);
      const recovered = recoverType(node, inputs);
      if (recovered) types.set(node.output, recovered);
      continue;
    }
    weightTensors += result.weights.length;
    if (weightTensors > MAX_WEIGHT_TENSORS) {
      report(
        "E0314",
        origins[node.id]!.span,
        `the model has more than ${MAX_WEIGHT_TENSORS} weight tensors`,
        {
          label: "the weights reach the limit here",
          hint: "check the repeat and experts counts",
        },
      );
      failed = true;
      break;
    }
    types.set(node.output, result.type);
    results.set(node.name, { node, result });
    typedNodes.push({
      ...node,
      attrs: result.attrs,
      weights: result.weights,
      tiedTo: result.tiedTo ?? null,
    });
  }

  if (failed || diagnostics.hasErrors) return undefined;
  const values: ValueType[] = [...types.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, t]) => ({ id, kind: t.kind, dtype: t.dtype, shape: t.shape.map(dimToJson) }));
  return { ...ir, format: "loom.typed-ir", nodes: typedNodes, values };
}

const SHAPE_PRESERVING = new Set([
  "attention",
  "cross_attention",
  "layernorm",
  "rmsnorm",
  "moe",
  "scale",
  "gelu",
  "gelu_tanh",
  "relu",
  "silu",
  "tanh",
  "softmax",
  "add",
  "sub",
  "mul",
]);

/** Ops whose `x` must be [batch, seq, width]. */
const HIDDEN_STATES = new Set(["attention", "cross_attention", "learned_positions"]);

/**
 * After a layer fails, the type its output would have had when that is plain (the input's),
 * so the layers after it are still checked and every independent mistake is reported at once.
 */
function recoverType(node: LayerNode, inputs: Record<string, TensorType>): TensorType | undefined {
  const first = inputs["x"] ?? inputs["a"];
  if (!first || first.kind !== "tensor" || first.dtype !== "float") return undefined;
  // When the operand itself is at fault (dynamic width, wrong rank), passing it on would
  // make every later layer report the same mistake again.
  const width = first.shape[first.shape.length - 1];
  if (width === undefined || dimStatic(width) === undefined) return undefined;
  if (HIDDEN_STATES.has(node.op) && first.shape.length !== 3) return undefined;
  if (SHAPE_PRESERVING.has(node.op)) return first;
  if (node.op === "mlp" && node.attrs["out"] === null) return first;
  if (node.op === "learned_positions" && first.shape.length === 3)
    return { ...first, shape: first.shape.slice(1) };
  return undefined;
}
