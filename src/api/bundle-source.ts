/**
 * A bundle's spec text against its IR. The formats layer cannot elaborate, so this is the API's
 * part of reading a bundle: the recorded text (source.text and its includes) is checked again and
 * the result compared with the stored IR. When they differ the bundle still loads, with W0625
 * saying that the IR is trusted (it was checked, the plan was lowered from it, it is what runs)
 * and the text is only a record.
 */
import { checkSpec } from "../compiler/compile.ts";
import { MANIFEST_FILE, type BundleManifest } from "../contracts/bundle/manifest.ts";
import { DiagnosticBag, type Diagnostic } from "../contracts/diagnostics/diagnostic.ts";
import { TypedIr } from "../contracts/ir/schema.ts";
import type { ReadBundleResult } from "../formats/bundle/read.ts";

/** `read` with W0625 added when its bundle's spec text does not elaborate to its IR. */
export function withSourceCheck(read: ReadBundleResult): ReadBundleResult {
  if (!read.bundle) return read;
  const manifestPath = `${read.bundle.location}/${MANIFEST_FILE}`;
  return {
    ...read,
    diagnostics: [...read.diagnostics, ...sourceAgrees(read.bundle.manifest, manifestPath)],
  };
}

/** W0625 when the manifest's spec text does not check to exactly its IR; none when it does. */
export function sourceAgrees(manifest: BundleManifest, manifestPath: string): Diagnostic[] {
  const texts = new Map([
    [manifest.source.file, manifest.source.text],
    ...manifest.source.includes.map((f) => [f.file, f.text] as const),
  ]);
  const checked = checkSpec(manifest.source.file, (path) => {
    const text = texts.get(path);
    if (text === undefined)
      throw Object.assign(new Error("not among the bundle's source files"), { code: "ENOENT" });
    return text;
  });
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  const model = checked.models.find((m) => m.name === manifest.model);
  const why =
    errors.length > 0
      ? `it does not check: ${errors[0]!.code} ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ""}`
      : !model?.ir
        ? `it defines no model \`${manifest.model}\` (it defines ${checked.models.map((m) => `\`${m.name}\``).join(", ") || "none"})`
        : irDifference(TypedIr.parse(model.ir), manifest.ir);
  if (why === undefined) return [];
  const bag = new DiagnosticBag();
  bag.report(
    "W0625",
    { file: manifestPath, start: 0, end: 0 },
    `the bundle's spec text (source.text, \`${manifest.source.file}\`) does not elaborate to its IR: ${why}; the IR is what runs`,
    {
      notes: [
        "Loom trusts the IR: it is what was checked, what the kernel plan was lowered from and what runs; the spec text is only a record of it",
      ],
      hint: "the text was replaced or edited after compiling: recompile the bundle from the spec you mean to run (`loom compile SPEC --out DIR`)",
    },
  );
  return bag.items;
}

/**
 * Where two IRs first differ, as a JSON path and the two values, looking past source positions
 * first (a changed value says more than the offsets it shifts); undefined when they are equal.
 */
function irDifference(fresh: TypedIr, stored: TypedIr): string | undefined {
  return firstDifference(fresh, stored, "ir", "source") ?? firstDifference(fresh, stored, "ir");
}

/** Where two JSON values first differ, with the key `skip` left out; undefined when equal. */
function firstDifference(
  fresh: unknown,
  stored: unknown,
  path: string,
  skip?: string,
): string | undefined {
  if (Object.is(fresh, stored)) return undefined;
  const bothObjects =
    typeof fresh === "object" && fresh !== null && typeof stored === "object" && stored !== null;
  if (!bothObjects || Array.isArray(fresh) !== Array.isArray(stored))
    return `the text gives ${short(fresh)} at \`${path}\`, the IR holds ${short(stored)}`;
  const a = fresh as Record<string, unknown>;
  const b = stored as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== skip);
  for (const key of keys) {
    const at = Array.isArray(fresh) ? `${path}[${key}]` : `${path}.${key}`;
    const difference = firstDifference(a[key], b[key], at, skip);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function short(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
