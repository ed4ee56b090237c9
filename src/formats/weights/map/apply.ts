/**
 * A weight map applied to a checkpoint's tensor names: which rule renames each tensor, the names
 * and shapes it makes (planned on shapes alone), and the values of one made tensor. Each tensor is
 * renamed by the first rule that matches it; a tensor no rule matches keeps its name.
 */
import { DiagnosticBag, type Diagnostic } from "../../../contracts/diagnostics/diagnostic.ts";
import type { TensorInfo } from "../safetensors.ts";
import { fillName, type CompiledRule, type WeightMapRules } from "./parse.ts";
import { runTransforms } from "./transforms.ts";

/** A tensor a rule made from a file tensor. */
export interface MappedTensor {
  name: string;
  shape: number[];
  /** The file tensor it is made from. */
  source: TensorInfo;
  rule: CompiledRule;
  /** Which part of the rule's split it is. */
  part?: string;
}

/** The tensors as the map names them: those rules made, and the file's others, unrenamed. */
export interface MappedNames {
  mapped: Map<string, MappedTensor>;
  kept: TensorInfo[];
  diagnostics: Diagnostic[];
}

const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/** `rules[2]` (`encoder/*\/kernel:0`): how diagnostics name a rule. */
export function ruleLabel(rule: CompiledRule): string {
  return `rule \`rules[${rule.index}]\` (\`${rule.pattern}\`)`;
}

/** Renames `tensors` by the map's rules: E0512 for a name made twice, E0513, W0516. */
export function mapNames(map: WeightMapRules, tensors: readonly TensorInfo[]): MappedNames {
  const bag = new DiagnosticBag();
  const mapped = new Map<string, MappedTensor>();
  const kept: TensorInfo[] = [];
  const matched = new Set<CompiledRule>();
  const owner = new Map<string, { by: string; rule?: CompiledRule }>();
  /** Takes `name` for a tensor; E0512, at the rule involved, when another has it already. */
  const claim = (name: string, by: string, rule: CompiledRule | undefined) => {
    const before = owner.get(name);
    if (before === undefined) {
      owner.set(name, { by, ...(rule ? { rule } : {}) });
      return true;
    }
    const at = rule ?? before.rule!;
    bag.report("E0512", at.span, `two tensors get the name \`${name}\`: ${before.by} and ${by}`, {
      hint: "each tensor must get its own name; make the rules' `to` names distinct (a capture such as {1} keeps layers apart)",
    });
    return false;
  };
  for (const info of tensors) {
    const rule = map.rules.find((r) => r.regex.test(info.name));
    if (!rule) {
      if (claim(info.name, `\`${info.name}\` (kept, no rule matches it)`, undefined))
        kept.push(info);
      continue;
    }
    matched.add(rule);
    const match = rule.regex.exec(info.name)!;
    const outcome = runTransforms({ shape: info.shape }, rule.transforms);
    if ("error" in outcome) {
      bag.report(
        "E0513",
        rule.span,
        `${ruleLabel(rule)} cannot transform \`${info.name}\` ${fmt(info.shape)}: ${outcome.error}`,
        {
          notes: [`the rule's transforms[${outcome.step}] is the step that fails`],
          hint: "fix the rule's transforms for this tensor's shape, or narrow its pattern so it does not match it",
        },
      );
      continue;
    }
    for (const value of outcome.values) {
      const name = fillName(rule, match, value.part);
      if (
        claim(
          name,
          `\`${info.name}\`${value.part ? ` (part ${value.part})` : ""} by ${ruleLabel(rule)}`,
          rule,
        )
      )
        mapped.set(name, {
          name,
          shape: value.shape,
          source: info,
          rule,
          ...(value.part ? { part: value.part } : {}),
        });
    }
  }
  for (const rule of map.rules)
    if (!matched.has(rule))
      bag.report("W0516", rule.span, `${ruleLabel(rule)} matches no tensor of the checkpoint`, {
        hint: "check the pattern against the tensor names (`loom weights inspect FILE` lists them); `*` matches within one segment, `**` across segments",
      });
  return { mapped, kept, diagnostics: bag.items };
}

/** The values of a tensor a rule made, from its file tensor's values. */
export function mappedValues(t: MappedTensor, data: Float64Array): Float64Array {
  const outcome = runTransforms({ shape: t.source.shape, data }, t.rule.transforms);
  if ("error" in outcome) throw new Error(`${t.name}: transforms failed after planning`);
  return outcome.values.find((v) => v.part === t.part)!.data!;
}
