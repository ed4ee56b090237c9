/**
 * Reading a weight-map file: JSON (E0510), the schema and the rules' patterns and placeholders
 * (E0511), each problem pointing at its line in the map. Gives the rules ready to match names.
 */
import { DiagnosticBag, type Diagnostic } from "../../../contracts/diagnostics/diagnostic.ts";
import { describeIssue } from "../../../contracts/device-profile/json-issues.ts";
import type { Span } from "../../../contracts/source.ts";
import type { Layout } from "../layouts/map.ts";
import { JsonSpans, syntaxErrorAt } from "./json-paths.ts";
import { WEIGHT_MAP_FORMAT, WeightMapFile, type MapTransform } from "./schema.ts";

/** A rule ready to match tensor names. */
export interface CompiledRule {
  /** Its position in `rules` (0-based), for messages: `rules[2]`. */
  index: number;
  /** The rule object in the map file. */
  span: Span;
  /** The glob or `/regex/` as written. */
  pattern: string;
  /** Matches a whole tensor name; its groups are the captures. */
  regex: RegExp;
  to: string;
  transforms: MapTransform[];
}

/** A checked weight map. */
export interface WeightMapRules {
  path: string;
  /** The file's text, so diagnostics can quote its lines. */
  text: string;
  /** The layout the renamed tensors are in (absent: loom). */
  layout?: Layout;
  unused: "error" | "warning";
  rules: CompiledRule[];
}

/** How many schema problems are listed before the rest are counted in one more. */
const LISTED = 20;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const HINT = `docs/weights.md ("Weight maps") describes the ${WEIGHT_MAP_FORMAT} format`;

/** Parses and checks a weight map's text; `map` is absent when there are errors. */
export function parseWeightMap(
  text: string,
  path: string,
): { map?: WeightMapRules; diagnostics: Diagnostic[] } {
  const bag = new DiagnosticBag();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const at = syntaxErrorAt(text);
    const found = at < text.length ? `\`${text[at]}\`` : "the end of the file";
    bag.report(
      "E0510",
      { file: path, start: at, end: Math.min(at + 1, text.length) },
      `weight map is not valid JSON: unexpected ${found}`,
      {
        hint: `${HINT}; JSON has no comments and no trailing commas (a rule may hold a "comment")`,
      },
    );
    return { diagnostics: bag.items };
  }
  const spans = new JsonSpans(text, path);
  const parsed = WeightMapFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    for (const issue of issues.slice(0, LISTED))
      bag.report(
        "E0511",
        spans.at(issue.path as (string | number)[]),
        `invalid weight map: ${describeIssue(issue, json)}`,
        { hint: HINT },
      );
    if (issues.length > LISTED)
      bag.report(
        "E0511",
        spans.at([]),
        `invalid weight map: ${issues.length - LISTED} more problems`,
        {
          hint: HINT,
        },
      );
    return { diagnostics: bag.items };
  }
  const rules: CompiledRule[] = [];
  parsed.data.rules.forEach((rule, index) => {
    const where = (key: string) => spans.at(["rules", index, key]);
    const transforms = rule.transforms ?? [];
    let regex: RegExp;
    let groups: string[];
    if (rule.from !== undefined) {
      regex = globRegex(rule.from);
      groups = [];
    } else {
      try {
        regex = new RegExp(`^(?:${rule.regex})$`, "u");
      } catch (error) {
        bag.report(
          "E0511",
          where("regex"),
          `invalid weight map: \`rules[${index}].regex\` is not a regular expression: ${(error as Error).message}`,
          {
            hint: "a JavaScript regular expression; in JSON a backslash is written twice (\\\\d for \\d)",
          },
        );
        return;
      }
      groups = [...rule.regex!.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
    }
    const count = new RegExp(`${regex.source}|`, "u").exec("")!.length - 1;
    const splits = transforms.filter((t) => t.split).length;
    const allowed = (name: string) =>
      (/^\d+$/.test(name) && Number(name) >= 1 && Number(name) <= count) ||
      groups.includes(name) ||
      (name === "part" && splits > 0);
    const unknown = [...rule.to.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((n) => !allowed(n));
    const available = [
      ...Array.from({ length: count }, (_, i) => `{${i + 1}}`),
      ...groups.map((g) => `{${g}}`),
      ...(splits > 0 ? ["{part}"] : []),
    ];
    if (unknown.length > 0)
      bag.report(
        "E0511",
        where("to"),
        `invalid weight map: \`rules[${index}].to\` uses ${unknown.map((n) => `{${n}}`).join(", ")}, which the rule does not capture`,
        {
          notes: [
            available.length > 0
              ? `the rule captures ${available.join(", ")}`
              : "the rule captures nothing",
          ],
          hint: "in `from`, each `*` or `**` is a capture {1}, {2}, …; in `regex`, each group is; a split gives {part}",
        },
      );
    else if (splits > 1)
      bag.report(
        "E0511",
        where("transforms"),
        `invalid weight map: \`rules[${index}]\` splits more than once`,
        {
          hint: "one split a rule; write a second rule for the parts",
        },
      );
    else if (splits === 1 && !rule.to.includes("{part}"))
      bag.report(
        "E0511",
        where("to"),
        `invalid weight map: \`rules[${index}].to\` has no {part}, so every part of the split would get the same name`,
        {
          hint: "put {part} where the part's name goes: `h.{1}.attention.{part}.weight`",
        },
      );
    else
      rules.push({
        index,
        span: spans.at(["rules", index]),
        pattern: rule.from ?? `/${rule.regex}/`,
        regex,
        to: rule.to,
        transforms,
      });
  });
  if (bag.hasErrors) return { diagnostics: bag.items };
  return {
    map: {
      path,
      text,
      ...(parsed.data.layout ? { layout: parsed.data.layout } : {}),
      unused: parsed.data.unused ?? "warning",
      rules,
    },
    diagnostics: bag.items,
  };
}

/** A glob over a whole name: `**` any run of characters, `*` a run without `.` or `/`. */
function globRegex(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((piece) =>
      piece === "**"
        ? "(.+)"
        : piece === "*"
          ? "([^./]+)"
          : piece.replace(/[\\^$.|?+()[\]{}]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}$`, "u");
}

/** The name a rule gives a tensor: `to` with the captures (and the split part) filled in. */
export function fillName(rule: CompiledRule, match: RegExpExecArray, part?: string): string {
  return rule.to.replace(PLACEHOLDER, (_, name: string) =>
    name === "part" && part !== undefined
      ? part
      : /^\d+$/.test(name)
        ? match[Number(name)]!
        : match.groups![name]!,
  );
}
