import type { Span } from "../../contracts/source.ts";
import type { SymbolRecorder } from "./symbols.ts";
import type { Value } from "./values.ts";

/** What defined a name; decides the warning an unused definition gets. */
export type DefinitionKind = "dim" | "symbol" | "input" | "value" | "param";

/** One definition site (a line of source). In a repeat, one site binds many times. */
export interface Definition {
  name: string;
  kind: DefinitionKind;
  span: Span;
  used: boolean;
}

interface Binding {
  value: Value;
  site: Definition;
}

/** The names visible in a model body or a block body, with use tracking for warnings. */
export class Env {
  private readonly bindings = new Map<string, Binding>();

  constructor(
    private readonly sites: Map<string, Definition>,
    private readonly recorder?: SymbolRecorder,
  ) {}

  /** Binds `name`; the site is keyed by its span so repeated iterations share it. */
  define(name: string, kind: DefinitionKind, span: Span, value: Value): void {
    const key = `${span.file}:${span.start}:${name}`;
    let site = this.sites.get(key);
    if (!site) {
      site = { name, kind, span, used: false };
      this.sites.set(key, site);
    }
    this.bindings.set(name, { value, site });
    this.recorder?.name(name, kind, span, span, value);
  }

  has(name: string): boolean {
    return this.bindings.has(name);
  }

  /** The value bound to `name`, marking its definition as used; `at` is where it is read. */
  use(name: string, at?: Span): Value | undefined {
    const binding = this.bindings.get(name);
    if (!binding) return undefined;
    binding.site.used = true;
    if (at) this.recorder?.name(name, binding.site.kind, at, binding.site.span, binding.value);
    return binding.value;
  }

  /** The value bound to `name` without marking it used. */
  peek(name: string): Value | undefined {
    return this.bindings.get(name)?.value;
  }

  kindOf(name: string): DefinitionKind | undefined {
    return this.bindings.get(name)?.site.kind;
  }

  names(): string[] {
    return [...this.bindings.keys()];
  }
}
