/**
 * Binding a safetensors file to a spec: every weight the typed IR declares, found in the file
 * under its layout's name, checked for shape and finite values, converted to Loom's layout and
 * returned by Loom full name. Problems are diagnostics (E0501–E0509), never exceptions.
 */
import { DiagnosticBag, type Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import type { TypedIr } from "../../contracts/ir/schema.ts";
import { closest } from "../../contracts/suggest.ts";
import type { Tensor } from "../../contracts/tensor.ts";
import { declaredWeights } from "./declared.ts";
import {
  detectLayout,
  LAYOUTS,
  layoutMap,
  type Layout,
  type LayoutOption,
} from "./layouts/index.ts";
import type { Binding } from "./layouts/map.ts";
import { mapNames, mappedValues, ruleLabel, type MappedTensor } from "./map/apply.ts";
import type { WeightMapRules } from "./map/parse.ts";
import {
  decodeTensor,
  fileSpan,
  parseSafetensors,
  type SafetensorsFile,
  type TensorInfo,
} from "./safetensors.ts";

export interface LoadOptions {
  /** The file's naming scheme; "auto" (the default) detects it from the tensor names. */
  layout?: LayoutOption;
  /** Rules that rename and reshape the file's tensors before they are bound (docs/weights.md). */
  weightMap?: WeightMapRules;
}

export interface LoadedWeights {
  /** Every declared weight by Loom full name, in Loom's layout; absent when there are errors. */
  weights?: Map<string, Tensor>;
  /** The file's `__metadata__`. */
  metadata: Record<string, string>;
  diagnostics: Diagnostic[];
  /** The layout the file was read with (absent when the header was unusable). */
  layout?: Layout;
}

/** How many diagnostics of one kind are listed before the rest are counted in one more. */
const LISTED = 20;

/** Reads a safetensors file held in memory and binds it to the spec's weights. */
export function loadWeights(
  ir: TypedIr,
  path: string,
  bytes: Uint8Array,
  opts: LoadOptions = {},
): LoadedWeights {
  const parsed = parseSafetensors(bytes, path);
  if (!parsed.file) return { metadata: {}, diagnostics: parsed.diagnostics };
  const bound = bindWeights(ir, parsed.file, opts);
  return { ...bound, diagnostics: [...parsed.diagnostics, ...bound.diagnostics] };
}

/** Binds an already parsed file to the spec's weights (the file's own diagnostics excluded). */
export function bindWeights(
  ir: TypedIr,
  file: SafetensorsFile,
  opts: LoadOptions = {},
): LoadedWeights & { layout: Layout } {
  const { header } = file;
  const bag = new DiagnosticBag();
  const span = fileSpan(header.path);
  const renamed = opts.weightMap ? mapNames(opts.weightMap, header.tensors) : undefined;
  if (renamed) bag.items.push(...renamed.diagnostics);
  /** The tensor a weight-map rule made under a name, if one did. */
  const made = (name: string): MappedTensor | undefined => renamed?.mapped.get(name);
  const infos = new Map<string, TensorInfo>(
    renamed
      ? [
          ...renamed.kept.map((t): [string, TensorInfo] => [t.name, t]),
          ...[...renamed.mapped.values()].map((m): [string, TensorInfo] => [
            m.name,
            { ...m.source, name: m.name, shape: m.shape },
          ]),
        ]
      : header.tensors.map((t) => [t.name, t]),
  );
  const allNames = [...infos.keys(), ...header.broken];
  const present = (name: string) => infos.has(name) || header.broken.has(name);

  const chosen =
    opts.layout && opts.layout !== "auto"
      ? { layout: opts.layout, reason: "given" }
      : opts.weightMap
        ? {
            layout: opts.weightMap.layout ?? "loom",
            reason: `the names the weight map ${opts.weightMap.path} gives`,
          }
        : detectLayout(ir, allNames, header.metadata);
  const layoutNote = `layout ${chosen.layout} (${chosen.reason})`;
  const writtenFor = header.metadata["loom.model"];
  const modelNotes =
    writtenFor !== undefined && writtenFor !== ir.model
      ? [
          `the file's metadata says it was written for the model \`${writtenFor}\`, not \`${ir.model}\``,
        ]
      : [];
  const map = layoutMap(ir, chosen.layout, new Set(allNames));
  const hf = chosen.layout !== "loom";

  const weights = new Map<string, Tensor>();
  const used = new Set<string>();
  const decoded = new Map<string, Float64Array | undefined>();
  const fileValues = new Map<string, Float64Array | undefined>();
  const users = (fileName: string) =>
    map.bindings.filter((b) => b.file === fileName || b.alternatives.includes(fileName));
  const loomNames = (bindings: Binding[]) => bindings.map((b) => `\`${b.loom}\``).join(", ");

  /** A tensor's values: a file tensor's, or made by a weight-map rule from one. */
  const decode = (info: TensorInfo): Float64Array | undefined => {
    if (decoded.has(info.name)) return decoded.get(info.name);
    const rule = made(info.name);
    const data = rule ? decodeFile(rule.source) : decodeFile(info);
    const values = rule && data ? mappedValues(rule, data) : data;
    decoded.set(info.name, values);
    return values;
  };

  /** " (for `loom names`)": the weights a file tensor feeds, directly or through map rules. */
  const forWeights = (fileName: string): string => {
    const made = [...(renamed?.mapped.values() ?? [])].filter((m) => m.source.name === fileName);
    const bindings = [fileName, ...made.map((m) => m.name)].flatMap(users);
    return bindings.length > 0 ? ` (for ${loomNames(bindings)})` : "";
  };

  /** The file tensor's values, decoded once; reports E0504 and E0509 once per tensor. */
  const decodeFile = (info: TensorInfo): Float64Array | undefined => {
    if (fileValues.has(info.name)) return fileValues.get(info.name);
    const { tensor, diagnostic } = decodeTensor(file, info);
    if (diagnostic) bag.items.push(diagnostic);
    let data = tensor?.data;
    if (data) {
      const bad = nonFinite(data);
      if (bad) {
        bag.report(
          "E0509",
          span,
          `tensor \`${info.name}\`${hf || renamed ? forWeights(info.name) : ""} has ${bad.count} non-finite value${bad.count === 1 ? "" : "s"}: expected finite numbers, found ${bad.first} at index ${bad.index}`,
          {
            notes: [`the tensor is ${info.dtype}${formatShape(info.shape)}`],
            hint: "the checkpoint is damaged or overflowed its dtype; re-export it (float16 overflows above 65504: try bf16 or f32)",
          },
        );
        data = undefined;
      }
    }
    fileValues.set(info.name, data);
    return data;
  };

  const missing = new Map<string, Binding[]>();
  for (const binding of map.bindings) {
    const name = [binding.file, ...binding.alternatives].find(present);
    if (name === undefined) {
      missing.set(binding.file, [...(missing.get(binding.file) ?? []), binding]);
      continue;
    }
    used.add(name);
    const info = infos.get(name);
    if (!info) continue; // broken: already reported by the header check
    if (!sameShape(info.shape, binding.fileShape)) {
      const rule = made(name);
      if (!decoded.has(name)) {
        if (rule) reportRuleShape(bag, rule, users(binding.file), layoutNote);
        else reportShape(bag, span, info, users(binding.file), hf, layoutNote);
      }
      decoded.set(name, undefined);
      continue;
    }
    const data = decode(info);
    if (data) weights.set(binding.loom, { shape: [...binding.shape], data: binding.convert(data) });
  }

  const unused = () => allNames.filter((n) => !used.has(n));
  const reports: (() => void)[] = [];
  const missingCount = [...missing.values()].reduce((n, b) => n + b.length, 0);
  const mostlyMissing = missingCount > 3 && missingCount * 2 > map.bindings.length;
  if (mostlyMissing) {
    const expected = [...missing.keys()].slice(0, 3).map((n) => `\`${n}\``);
    const others = unused();
    const found = others.slice(0, 3).map((n) => `\`${n}\``);
    const held = map.bindings.length - missingCount;
    bag.report(
      "E0505",
      span,
      `missing weights: the file holds ${held === 0 ? "none" : `only ${held}`} of the ${map.bindings.length} weights the spec needs`,
      {
        notes: [
          `expected tensors such as ${expected.join(", ")}`,
          others.length > 0
            ? `found ${others.length} other tensors, such as ${found.join(", ")}`
            : "found no other tensors",
          ...modelNotes,
          layoutNote,
        ],
        hint: opts.weightMap
          ? `the weight map's rules do not give the names the spec's weights have (its \`to\` names, or the layout it names, are wrong), or the file belongs to another spec`
          : `the file belongs to another spec, or uses another layout: pass --layout (${LAYOUTS.join(", ")})`,
      },
    );
    missing.clear();
  }
  for (const [fileName, bindings] of missing) {
    reports.push(() => {
      const first = bindings[0]!;
      const near = closest(fileName, unused());
      const declared = bindings.map((b) => {
        const at = b.node.source;
        return `${hf ? `\`${b.loom}\` ` : ""}${formatShape(b.shape)} is declared by \`${b.node.op}\` at ${at.file}:${at.line}:${at.column}`;
      });
      bag.report(
        "E0505",
        span,
        hf
          ? `missing weight: expected a tensor \`${fileName}\` ${formatShape(first.fileShape)} for ${loomNames(bindings)}, found none`
          : `missing weight: expected a tensor \`${fileName}\` ${formatShape(first.fileShape)}, found none`,
        {
          notes: [...declared, ...modelNotes, layoutNote],
          hint: near
            ? `the file has \`${near}\`; is it this weight under another name? (\`loom weights inspect\` lists the file's tensors)`
            : "check that the file was written for this spec and that the layout is right (pass --layout); `loom weights inspect FILE` lists its tensors",
        },
      );
    });
  }
  const boundNames = new Set(map.bindings.map((b) => b.loom));
  for (const weight of declaredWeights(ir)) {
    if (boundNames.has(weight.name)) continue;
    reports.push(() => {
      const at = weight.node.source;
      bag.report(
        "E0505",
        span,
        `missing weight: layout ${chosen.layout} has no name for \`${weight.name}\` ${formatShape(weight.shape)} (a \`${weight.node.op}\` weight)`,
        {
          notes: [
            `declared by \`${weight.node.op}\` at ${at.file}:${at.line}:${at.column}`,
            layoutNote,
          ],
          hint: `the ${chosen.layout} map does not cover this part of the spec (docs/weights.md lists what each layout maps); write the weights in the loom layout instead`,
        },
      );
    });
  }
  listed(reports, () =>
    bag.report(
      "E0505",
      span,
      `missing weights: ${reports.length - LISTED} more weights are not in the file`,
      {
        notes: [layoutNote],
        hint: "the file is probably for another spec or another layout",
      },
    ),
  );

  for (const copy of map.tiedCopies) {
    const info = infos.get(copy.file);
    if (!info || used.has(copy.file)) continue;
    used.add(copy.file);
    const target = weights.get(copy.sameAs);
    if (!target) continue;
    const data = sameShape(info.shape, target.shape) ? decode(info) : undefined;
    if (data && data.every((v, i) => Object.is(v, target.data[i]))) continue;
    bag.report(
      "W0507",
      span,
      `tensor \`${copy.file}\` ${formatShape(info.shape)} differs from \`${copy.sameAs}\`, which the spec ties it to; it is ignored`,
      {
        notes: [layoutNote],
        hint: "the checkpoint has its own output head: untie it in the spec (give the head its own weights) to use it",
      },
    );
  }

  const extras = mostlyMissing
    ? []
    : unused().filter(
        (n) => !header.broken.has(n) && !map.ignore.some((pattern) => pattern.test(n)),
      );
  const strict = opts.weightMap?.unused === "error";
  listed(
    extras.map((name) => () => {
      const info = infos.get(name)!;
      const rule = made(name);
      const origin = rule
        ? [`made from \`${rule.source.name}\` by ${ruleLabel(rule.rule)} of ${rule.rule.span.file}`]
        : [];
      bag.report(
        strict ? "E0515" : "W0507",
        span,
        `${strict ? "unused" : "unexpected"} tensor \`${name}\` ${info.dtype}${formatShape(info.shape)}: the spec has no weight for it${strict ? "" : "; it is ignored"}`,
        {
          notes: [...origin, layoutNote],
          hint: strict
            ? "the weight map requires every tensor to bind: give it a rule that names a weight of the spec, or add the layer to the spec"
            : "a head or layer the spec does not declare; add it to the spec to use it",
        },
      );
    }),
    () =>
      bag.report("W0507", span, `${extras.length - LISTED} more unexpected tensors are ignored`, {
        notes: [layoutNote],
      }),
  );

  const errors = bag.items.some((d) => d.severity === "error");
  return {
    ...(errors ? {} : { weights }),
    metadata: header.metadata,
    diagnostics: bag.items,
    layout: chosen.layout,
  };
}

/** Runs the first LISTED reports, then `rest` once if there were more. */
function listed(reports: (() => void)[], rest: () => void): void {
  reports.slice(0, LISTED).forEach((report) => report());
  if (reports.length > LISTED) rest();
}

function reportShape(
  bag: DiagnosticBag,
  span: ReturnType<typeof fileSpan>,
  info: TensorInfo,
  bindings: Binding[],
  hf: boolean,
  layoutNote: string,
): void {
  const expected = bindings[0]!.fileShape;
  const notes = bindings.map(
    (b) =>
      `${hf ? `\`${b.loom}\` ` : ""}${formatShape(b.shape)} is declared by \`${b.node.op}\` at ${b.node.source.file}:${b.node.source.line}:${b.node.source.column}${b.how ? `; in the file: ${b.how}` : ""}`,
  );
  bag.report(
    "E0506",
    span,
    `weight shape mismatch: tensor \`${info.name}\`${hf ? ` (for ${bindings.map((b) => `\`${b.loom}\``).join(", ")})` : ""} should be ${formatShape(expected)}, found ${formatShape(info.shape)}`,
    {
      notes: [...notes, layoutNote],
      hint: "the spec's dims (width, heads, vocabulary, hidden size, layers) differ from the checkpoint's; make them match the checkpoint's config",
    },
  );
}

/** E0514: a tensor a weight-map rule made binds to a weight, but with the wrong shape. */
function reportRuleShape(
  bag: DiagnosticBag,
  made: MappedTensor,
  bindings: Binding[],
  layoutNote: string,
): void {
  const expected = bindings[0]!.fileShape;
  const at = made.rule.transforms.length > 0 ? "after its transforms" : "(it has no transforms)";
  bag.report(
    "E0514",
    made.rule.span,
    `weight shape mismatch: ${ruleLabel(made.rule)} makes \`${made.name}\` ${formatShape(made.shape)} from \`${made.source.name}\` ${formatShape(made.source.shape)}, but ${bindings.map((b) => `\`${b.loom}\``).join(", ")} needs ${formatShape(expected)}`,
    {
      notes: [
        `the shape ${at} is ${formatShape(made.shape)}`,
        ...bindings.map(
          (b) =>
            `\`${b.loom}\` ${formatShape(b.shape)} is declared by \`${b.node.op}\` at ${b.node.source.file}:${b.node.source.line}:${b.node.source.column}${b.how ? `; in the layout: ${b.how}` : ""}`,
        ),
        layoutNote,
      ],
      hint: sameCount(made.shape, expected)
        ? "the element count is right: add a transpose (an [in, out] checkpoint), or a squeeze or reshape, to the rule"
        : "the element count differs: the rule renames the wrong tensor, or the spec's dims differ from the checkpoint's",
    },
  );
}

function sameCount(a: readonly number[], b: readonly number[]): boolean {
  return a.reduce((x, y) => x * y, 1) === b.reduce((x, y) => x * y, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** How many values are NaN or infinite, and the first of them. */
function nonFinite(
  data: Float64Array,
): { count: number; first: string; index: number } | undefined {
  let count = 0;
  let index = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      if (count === 0) index = i;
      count++;
    }
  }
  return count === 0 ? undefined : { count, first: String(data[index]), index };
}
