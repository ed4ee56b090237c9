import type { Code } from "../../../contracts/diagnostics/codes.ts";
import type { DiagnosticBag, DiagnosticExtras } from "../../../contracts/diagnostics/diagnostic.ts";
import type { Span } from "../../../contracts/source.ts";
import type { FieldSpans } from "./json-spans.ts";

/** A JSON value of a config, as JSON.parse gives it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a value reads in a message: JSON, shortened. */
export function showValue(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? "nothing";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A Hugging Face config being read by one family's importer. Every getter records the field as
 * consumed; `finish` reports each field that no getter read and no list declared irrelevant, so
 * a field that might change the math is never silently dropped. A field set to `null` counts as
 * absent (Hugging Face writes `null` for "not used").
 */
export class ConfigReader {
  private readonly consumed = new Set<string>();

  constructor(
    private readonly config: Record<string, Json>,
    private readonly spans: ReadonlyMap<string, FieldSpans>,
    private readonly file: string,
    private readonly bag: DiagnosticBag,
  ) {}

  /** The value of a field (undefined when absent or null), marking it consumed. */
  raw(field: string): Json | undefined {
    this.consumed.add(field);
    const value = this.config[field];
    return value === null ? undefined : value;
  }

  /** Whether the field is present and not null (does not consume it). */
  has(field: string): boolean {
    return this.config[field] !== undefined && this.config[field] !== null;
  }

  /** Whether the config names the field at all, even as null (does not consume it). */
  present(field: string): boolean {
    return Object.hasOwn(this.config, field);
  }

  /** The span of a field's value, else of its key, else the start of the file. */
  span(field: string): Span {
    return this.spans.get(field)?.value ?? { file: this.file, start: 0, end: 0 };
  }

  /** Reports a diagnostic about a field. */
  report(code: Code, field: string, message: string, extra: DiagnosticExtras = {}): void {
    this.bag.report(code, this.span(field), message, extra);
  }

  /** A positive integer field (a dimension); `fallback` when absent, E0906 when required. */
  int(field: string, fallback?: number): number {
    const value = this.raw(field);
    if (value === undefined) return this.missing(field, fallback);
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      this.report(
        "E0904",
        field,
        `\`${field}\` must be a positive integer, found ${showValue(value)}`,
        {
          label: "not a positive integer",
          hint: `set \`${field}\` to the size the checkpoint has`,
        },
      );
      return fallback ?? 1;
    }
    return value;
  }

  /** A positive number field (an epsilon, a base); `fallback` when absent. */
  positive(field: string, fallback?: number): number {
    const value = this.raw(field);
    if (value === undefined) return this.missing(field, fallback);
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      this.report(
        "E0904",
        field,
        `\`${field}\` must be a positive number, found ${showValue(value)}`,
        {
          label: "not a positive number",
        },
      );
      return fallback ?? 1;
    }
    return value;
  }

  /** A true/false field; `fallback` when absent. */
  bool(field: string, fallback: boolean): boolean {
    const value = this.raw(field);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.report("E0904", field, `\`${field}\` must be true or false, found ${showValue(value)}`, {
        label: "not a boolean",
      });
      return fallback;
    }
    return value;
  }

  /** A string field; `fallback` when absent, E0906 when required. */
  string(field: string, fallback?: string): string {
    const value = this.raw(field);
    if (value === undefined) return this.missing(field, fallback);
    if (typeof value !== "string") {
      this.report("E0904", field, `\`${field}\` must be a string, found ${showValue(value)}`, {
        label: "not a string",
      });
      return fallback ?? "";
    }
    return value;
  }

  /**
   * Reports a field whose value changes the math in a way Loom cannot express (E0905): the
   * message names the field and its value, `why` says what it would need.
   */
  unsupported(field: string, why: string, hint?: string): void {
    this.report(
      "E0905",
      field,
      `\`${field}\` = ${showValue(this.config[field])} is not supported: ${why}`,
      { label: "changes the math; Loom cannot express it", ...(hint ? { hint } : {}) },
    );
  }

  /** Marks fields as read because they do not change the model's math. */
  ignore(fields: readonly string[]): void {
    for (const field of fields) this.consumed.add(field);
  }

  /** Reports every field that was neither read nor declared irrelevant (E0903). */
  finish(family: string): void {
    for (const field of Object.keys(this.config)) {
      if (this.consumed.has(field)) continue;
      this.bag.report(
        "E0903",
        this.spans.get(field)?.key ?? this.span(field),
        `unknown field \`${field}\` in a ${family} config`,
        {
          label: "the importer does not know whether this changes the math",
          notes: [`${field} = ${showValue(this.config[field])}`],
          hint: "remove it if it does not matter for inference (docs/import.md lists the fields each family reads)",
        },
      );
    }
  }

  private missing<T>(field: string, fallback: T | undefined): T {
    if (fallback !== undefined) return fallback;
    this.bag.report(
      "E0906",
      { file: this.file, start: 0, end: 0 },
      `the config has no \`${field}\``,
      {
        hint: `add \`"${field}"\`: the value the checkpoint was trained with`,
      },
    );
    return 1 as T;
  }
}
