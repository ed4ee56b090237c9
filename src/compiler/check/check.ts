import type { DiagnosticBag } from "../diagnostics/diagnostic.ts";
import { type Dim, dimFromJson, dimToJson } from "../dims.ts";
import type { ElaboratedModel } from "../elaborate/elaborate.ts";
import type { LayerNode, TypedIr, TypedNode, ValueType } from "../ir/schema.ts";
import { reporter, type RuleContext, type RuleResult, type TensorType } from "./context.ts";
import { RULES } from "./rules/index.ts";

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
  const report = reporter(diagnostics);
  let failed = false;

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
      continue;
    }
    const ctx: RuleContext = {
      node,
      origin: origins[node.id]!,
      inputs,
      bounds,
      nodeByName: (name) => results.get(name),
      report,
    };
    const result = rule(ctx);
    if (!result) {
      failed = true;
      continue;
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
