/**
 * Finding a device profile by name (a built-in) or path (a JSON file), validated. Problems are
 * E0604 diagnostics, never exceptions.
 */
import { readFileSync } from "node:fs";
import type { core } from "zod";
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { Span } from "../source.ts";
import { closest } from "../suggest.ts";
import { BUILTIN_PROFILES } from "./builtins.ts";
import { describeIssue } from "./json-issues.ts";
import { DeviceProfile, LIMIT_NAMES, type DeviceLimits } from "./schema.ts";

/** Reads a file's bytes; throws when it cannot. Injected in tests. */
export type ReadBytes = (path: string) => Uint8Array;

const readBytes: ReadBytes = (path) => new Uint8Array(readFileSync(path));

const fileSpan = (file: string): Span => ({ file, start: 0, end: 0 });

const NAMES_HINT = `the built-in profiles are ${Object.keys(BUILTIN_PROFILES).join(", ")}; or give the path of a JSON file with \`name\`, \`features\` and every limit (docs/bundle-format.md)`;

/**
 * The profile a `--device-profile` value names: a built-in profile's name, or the path of a JSON
 * file (anything ending in `.json` or holding a `/`). `profile` is absent when there are errors.
 */
export function loadDeviceProfile(
  nameOrPath: string,
  read: ReadBytes = readBytes,
): { profile?: DeviceProfile; diagnostics: Diagnostic[] } {
  const builtin = BUILTIN_PROFILES[nameOrPath];
  if (builtin && Object.hasOwn(BUILTIN_PROFILES, nameOrPath))
    return { profile: builtin, diagnostics: [] };
  const bag = new DiagnosticBag();
  const span = fileSpan(nameOrPath);
  if (!nameOrPath.endsWith(".json") && !nameOrPath.includes("/")) {
    const near = closest(nameOrPath, Object.keys(BUILTIN_PROFILES));
    bag.report("E0604", span, `unknown device profile \`${nameOrPath}\``, {
      hint: near ? `did you mean \`${near}\`? ${NAMES_HINT}` : NAMES_HINT,
    });
    return { diagnostics: bag.items };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(read(nameOrPath));
  } catch (error) {
    bag.report("E0604", span, `cannot read device profile \`${nameOrPath}\`: ${reason(error)}`, {
      hint: "check the path; " + NAMES_HINT,
    });
    return { diagnostics: bag.items };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    bag.report("E0604", span, `device profile \`${nameOrPath}\` is not JSON: ${reason(error)}`, {
      hint: NAMES_HINT,
    });
    return { diagnostics: bag.items };
  }
  const parsed = DeviceProfile.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      bag.report("E0604", span, `device profile \`${nameOrPath}\`: ${describeIssue(issue, json)}`, {
        hint: issueHint(issue),
      });
    return { diagnostics: bag.items };
  }
  return { profile: parsed.data, diagnostics: [] };
}

/**
 * A profile from a live adapter's (or device's) limits and features, for checking a bundle
 * against the machine it is about to run on, or for saving as a JSON profile. A limit it does not
 * report takes WebGPU's default, which every device guarantees.
 */
export function profileFromLimits(
  name: string,
  limits: Readonly<Partial<Record<keyof DeviceLimits, number>>>,
  features: Iterable<string>,
): DeviceProfile {
  return {
    name,
    ...Object.fromEntries(
      LIMIT_NAMES.map((limit) => [
        limit,
        limits[limit] ?? BUILTIN_PROFILES["webgpu-default"]![limit],
      ]),
    ),
    features: [...features].sort(),
  } as DeviceProfile;
}

function issueHint(issue: core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    const near = issue.keys
      .map((key) => [key, closest(key, ["name", "features", ...LIMIT_NAMES])] as const)
      .filter(([, n]) => n !== undefined)
      .map(([key, n]) => `\`${key}\` → \`${n}\``);
    return near.length > 0
      ? `a misspelt limit? ${near.join(", ")}`
      : `a profile has exactly \`name\`, \`features\` and ${LIMIT_NAMES.length} limits: ${LIMIT_NAMES.join(", ")}`;
  }
  return "every limit is a positive integer, as GPUSupportedLimits reports it; `features` is a list of GPUFeatureName strings";
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  if (error instanceof TypeError) return "it is not UTF-8 text";
  return error instanceof Error ? error.message : String(error);
}
