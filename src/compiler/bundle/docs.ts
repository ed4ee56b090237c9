/**
 * The generated parts of docs/bundle-format.md: the manifest's field table, from the zod schema
 * (through its JSON Schema), and the built-in device profiles, so the documentation cannot drift
 * from what `readBundle` accepts and `loadDeviceProfile` knows. test/bundle/docs.test.ts checks
 * them (UPDATE_DOCS=1 rewrites them).
 */
import { z } from "zod";
import { BUILTIN_PROFILES } from "../../contracts/device-profile/builtins.ts";
import { groupDigits } from "../../contracts/device-profile/check.ts";
import { LIMIT_NAMES } from "../../contracts/device-profile/schema.ts";
import { BundleManifest } from "../../contracts/bundle/manifest.ts";

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  description?: string;
  pattern?: string;
};

/**
 * Descriptions of the kernel plan's fields, which src/contracts/plan/schema.ts documents in
 * comments rather than in the schema. A plan field missing here is listed with a pointer to the
 * schema, so a change there only needs the docs regenerated.
 */
const PLAN_FIELDS: Readonly<Record<string, string>> = {
  "plan.sizes": "how the plan names its runtime sizes",
  "plan.sizes.batch": "the runtime size of the batch",
  "plan.sizes.step": "the step input's sequence size: positions fed this step (null if none)",
  "plan.sizes.encoder": "the encoder's sequence size (encoder-decoder models; else null)",
  "plan.sizes.max": "the largest value of each runtime size: what buffers and limits are sized for",
  "plan.kernels": "the generated compute kernels",
  "plan.kernels[].name": "unique name; dispatched by steps",
  "plan.kernels[].entryPoint": "the WGSL entry point",
  "plan.kernels[].bindings": "group 0's bindings in order: binding i is bindings[i]",
  "plan.kernels[].bindings[].name": "the WGSL variable",
  "plan.kernels[].bindings[].access": "storage read, storage read_write, or the params uniform",
  "plan.kernels[].bindings[].format":
    "a packed weight the kernel unpacks as it reads it (f16, q8, q4; see Weight formats)",
  "plan.kernels[].workgroupSize": "@workgroup_size x, y, z",
  "plan.kernels[].workgroupStorageBytes": "bytes of var<workgroup> memory it declares",
  "plan.kernels[].dispatch":
    "workgroup counts x, y, z: a number, or {expr, divisor} meaning ceil(expr / divisor) at run time",
  "plan.kernels[].params": "the u32 fields of its params uniform, in order, as size expressions",
  "plan.kernels[].params[].name": "the field's name",
  "plan.kernels[].params[].value": "a number or a size expression over runtime sizes",
  "plan.buffers": "the memory the steps bind",
  "plan.buffers[].id": "unique id; steps refer to buffers by id",
  "plan.buffers[].name": "a readable name (an IR value, a weight, a scratch buffer)",
  "plan.buffers[].kind": "what it holds; weight buffers are filled from the weights file",
  "plan.buffers[].dtype": "element type (4 bytes each)",
  "plan.buffers[].elements": "elements, as a size expression",
  "plan.buffers[].maxElements": "elements at the bounds: what is allocated",
  "plan.buffers[].weights":
    "for weight buffers: the tensors (Loom names) concatenated in this order, e.g. q, k, v of a fused QKV",
  "plan.buffers[].format":
    "for packed weight buffers: the format of every tensor it holds (dtype u32, elements counting words; see Weight formats)",
  "plan.buffers[].data":
    "for constants: the values, computed at compile time (e.g. sinusoid frequencies)",
  "plan.buffers[].lifetime": "first and last step touching it (activations)",
  "plan.buffers[].slot": "the storage slot it shares with buffers whose lifetimes do not overlap",
  "plan.steps": "dispatches, in order",
  "plan.steps[].kernel": "the kernel it dispatches",
  "plan.steps[].sizes":
    "the kernel's size names (rows, seq, past, keys…) as expressions over runtime sizes",
  "plan.steps[].when": "`always`; `prefill` when several positions are new; `decode` when one is",
  "plan.steps[].buffers": "buffer ids in the kernel's binding order, the params uniform excluded",
  "plan.steps[].nodes": "the IR nodes it computes",
  "plan.steps[].phase": "`encoder`: once per input; `step`: on every forward step",
  "plan.generation":
    "for models that generate: the growing input, the logits output, the vocabulary; else null",
  "plan.generation.stepInput": "the input that grows while decoding",
  "plan.generation.logitsOutput": "the output holding the logits",
  "plan.generation.vocab": "the vocabulary size",
};

/** Fields documented by their own schema (named in their description) rather than expanded here. */
const OPAQUE = new Set(["ir"]);

/** One row of the field table. */
export interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  description: string;
}

/** Every field of the manifest, depth first, with its type and description. */
export function manifestFields(): FieldRow[] {
  const root = z.toJSONSchema(BundleManifest, { unrepresentable: "any" }) as JsonSchema;
  const rows: FieldRow[] = [];
  const walk = (schema: JsonSchema, prefix: string) => {
    const required = new Set(schema.required ?? []);
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      const description =
        child.description ??
        PLAN_FIELDS[path] ??
        (path.startsWith("plan.") ? "see src/contracts/plan/schema.ts" : "");
      rows.push({ path, type: typeOf(child), required: required.has(key), description });
      if (OPAQUE.has(path)) continue;
      const inner = objectOf(child);
      if (inner) walk(inner.schema, `${path}${inner.array ? "[]" : ""}`);
    }
  };
  walk(root, "");
  return rows;
}

/** The object a field holds (directly, as array items, or nullable), to descend into. */
function objectOf(schema: JsonSchema): { schema: JsonSchema; array: boolean } | undefined {
  if (schema.properties) return { schema, array: false };
  if (schema.items && schema.items.properties) return { schema: schema.items, array: true };
  for (const option of schema.anyOf ?? []) {
    const found = objectOf(option);
    if (found) return found;
  }
  return undefined;
}

/** A TypeScript-like type for a JSON Schema node. */
function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" \\| ");
  if (Array.isArray(schema.type)) return schema.type.map((t) => typeOf({ type: t })).join(" \\| ");
  switch (schema.type) {
    case "integer":
      return "integer";
    case "array":
      if (schema.prefixItems) return `[${schema.prefixItems.map(typeOf).join(", ")}]`;
      return schema.items ? `${wrap(typeOf(schema.items))}[]` : "array";
    case "object":
      if (schema.properties) return "object";
      if (schema.additionalProperties && typeof schema.additionalProperties === "object")
        return `{ [key]: ${typeOf(schema.additionalProperties)} }`;
      return "object";
    case undefined:
      return "any";
    default:
      return schema.type;
  }
}

function wrap(type: string): string {
  return type.includes("|") ? `(${type})` : type;
}

/** The field table as Markdown, columns padded as Prettier lays them out. */
export function manifestFieldsMarkdown(): string {
  const rows = manifestFields().map((r) => [
    `\`${r.path}\``,
    r.type,
    r.required ? "yes" : "no",
    r.description.replace(/\|/g, "\\|"),
  ]);
  const head = ["field", "type", "required", "meaning"];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [
    line(head),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

/** The built-in device profiles as a Markdown table: one row per limit, one column per profile. */
export function profilesMarkdown(): string {
  const profiles = Object.values(BUILTIN_PROFILES);
  const head = ["limit", ...profiles.map((p) => `\`${p.name}\``)];
  const rows = [
    ...LIMIT_NAMES.map((limit) => [`\`${limit}\``, ...profiles.map((p) => groupDigits(p[limit]))]),
    ["features", ...profiles.map((p) => (p.features.length > 0 ? p.features.join(", ") : "none"))],
  ];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}
