/** Messages for zod issues found validating untrusted JSON (device profiles, bundle manifests). */
import type { core } from "zod";

/** "`path`: what was expected, what was found" for one zod issue; `root` is the parsed JSON. */
export function describeIssue(issue: core.$ZodIssue, root: unknown): string {
  const path = jsonPath(issue.path);
  const where = path === "" ? "the top level" : `\`${path}\``;
  if (issue.code === "unrecognized_keys")
    return `${where} has unknown ${issue.keys.length === 1 ? "key" : "keys"} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
  const at = valueAt(root, issue.path);
  const found = at.present ? describe(at.value) : "nothing (the field is missing)";
  if (issue.code === "invalid_type")
    return `${where}: expected ${article(issue.expected)}, found ${found}`;
  if (issue.code === "invalid_value")
    return `${where}: expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}, found ${found}`;
  if (issue.code === "invalid_union") {
    const expected = issue.errors.flatMap((alternative) =>
      alternative.length === 1 &&
      alternative[0]!.path.length === 0 &&
      alternative[0]!.code === "invalid_type"
        ? [article(alternative[0]!.expected)]
        : [],
    );
    if (expected.length === issue.errors.length)
      return `${where}: expected ${[...new Set(expected)].join(" or ")}, found ${found}`;
    return `${where}: matches none of the allowed forms, found ${found}`;
  }
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  return `${where}: ${message}`;
}

const ARTICLES: Readonly<Record<string, string>> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  null: "null",
  record: "an object",
  tuple: "an array",
};

function article(expected: string): string {
  return ARTICLES[expected] ?? expected;
}

/** `["plan", "kernels", 2, "name"]` → `plan.kernels[2].name`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The value at a path in parsed JSON, if there is one. */
function valueAt(
  root: unknown,
  path: readonly PropertyKey[],
): { present: boolean; value?: unknown } {
  let at: unknown = root;
  for (const key of path) {
    if (at === null || typeof at !== "object") return { present: false };
    if (!Object.hasOwn(at, key)) return { present: false };
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value: at };
}

/** A short description of a JSON value for messages: `the string "abc"`, `number -1.5`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const text = JSON.stringify(value);
    return `the string ${text.length > 40 ? `${text.slice(0, 37)}…"` : text}`;
  }
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
