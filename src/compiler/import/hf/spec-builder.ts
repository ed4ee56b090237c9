/** A named argument's value: an expression, a number, or a boolean written `name = true`. */
export type NamedValue = string | number | boolean;

/** A number as spec text: integers as written, small values in exponent form (`1e-5`). */
export function literal(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) < 1e-3 ? n.toExponential() : String(n);
}

/**
 * A layer call as spec text: `call("attention", ["h", "heads", "causal"], { bias: false })` is
 * `attention(h, heads, causal, bias = false)`. Named values left undefined are omitted.
 */
export function call(
  layer: string,
  positional: readonly (string | number)[],
  named: Readonly<Record<string, NamedValue | undefined>> = {},
): string {
  const args = positional.map((a) => (typeof a === "number" ? literal(a) : a));
  for (const [name, value] of Object.entries(named)) {
    if (value === undefined) continue;
    args.push(`${name} = ${typeof value === "number" ? literal(value) : String(value)}`);
  }
  return `${layer}(${args.join(", ")})`;
}

/**
 * Writes one model as spec text, statement by statement; the formatter then gives it the
 * canonical layout. Names and expressions are the caller's: the builder only arranges them.
 */
export class SpecBuilder {
  private readonly lines: string[] = [];
  private depth = 1;

  constructor(
    private readonly name: string,
    private readonly header: readonly string[],
  ) {}

  /** A `dims { … }` line of named constants. */
  dims(entries: Readonly<Record<string, number | string>>): this {
    const items = Object.entries(entries).map(
      ([k, v]) => `${k} = ${typeof v === "number" ? literal(v) : v}`,
    );
    return this.line(`dims { ${items.join(", ")} }`);
  }

  /** `input name: type[axes]`. */
  input(name: string, type: string, axes: readonly string[]): this {
    return this.line(`input ${name}: ${type}[${axes.join(", ")}]`);
  }

  /** `name = expr`. */
  assign(name: string, expr: string): this {
    return this.line(`${name} = ${expr}`);
  }

  /** `repeat count as scope { body }`. */
  repeat(count: string, scope: string, body: (b: this) => void): this {
    this.line(`repeat ${count} as ${scope} {`);
    this.depth++;
    body(this);
    this.depth--;
    return this.line("}");
  }

  /** `output name = expr`, or `output name` for a value already named. */
  output(name: string, expr?: string): this {
    return this.line(expr === undefined ? `output ${name}` : `output ${name} = ${expr}`);
  }

  /** A `//` comment line inside the model. */
  comment(text: string): this {
    return this.line(`// ${text}`);
  }

  /** An empty line between sections. */
  blank(): this {
    this.lines.push("");
    return this;
  }

  /** The whole file: the header comment, then the model. */
  text(): string {
    const header = this.header.map((l) => `// ${l}`.trimEnd());
    return [...header, `model ${this.name} {`, ...this.lines, "}", ""].join("\n");
  }

  private line(text: string): this {
    this.lines.push(`${"  ".repeat(this.depth)}${text}`);
    return this;
  }
}
