import type { Span } from "../../contracts/source.ts";
import type { AnalysedSpec, ModelSymbols } from "../compile.ts";
import type { SymbolKind, SymbolOccurrence } from "../elaborate/symbols.ts";
import { hoverText } from "./hover.ts";

/** A name at a place, seen from one model (a block called by two models is seen twice). */
export interface Located {
  occurrence: SymbolOccurrence;
  model: ModelSymbols;
}

/** Why a rename was refused, or the places to change. */
export type RenameResult = { ok: true; spans: Span[] } | { ok: false; reason: string };

/** Kinds that live in a model's or block's one namespace of names, and so can be renamed. */
const RENAMEABLE = new Set<SymbolKind>(["value", "input", "dim", "symbol", "param"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(
  "model block include dims input output repeat return tokenizer as true false".split(" "),
);

const contains = (outer: Span, offset: number): boolean =>
  offset >= outer.start && offset <= outer.end;
const sameSpan = (a: Span, b: Span): boolean =>
  a.file === b.file && a.start === b.start && a.end === b.end;

/** Editor queries over one analysed spec: what a name is, where it is defined, where it is used. */
export class SpecIndex {
  constructor(private readonly spec: AnalysedSpec) {}

  /** The names written at `offset` in `file` (the cursor may sit just after a name). */
  at(file: string, offset: number): Located[] {
    const found: Located[] = [];
    for (const model of this.spec.symbols) {
      for (const occurrence of model.occurrences) {
        if (occurrence.span.file === file && contains(occurrence.span, offset))
          found.push({ occurrence, model });
      }
    }
    return found;
  }

  /** Where the name (or the `include`d file) at `offset` is defined. */
  definition(file: string, offset: number): Span | undefined {
    const include = this.spec.loaded.includes.find(
      (i) => i.span.file === file && contains(i.span, offset),
    );
    if (include) return { file: include.file, start: 0, end: 0 };
    return this.at(file, offset).find((l) => l.occurrence.definition)?.occurrence.definition;
  }

  /** Markdown describing the name at `offset`: a value's shape, a dim's value, a layer's docs. */
  hover(file: string, offset: number): { span: Span; markdown: string } | undefined {
    const found = this.at(file, offset);
    if (found.length === 0) return undefined;
    return { span: found[0]!.occurrence.span, markdown: hoverText(found) };
  }

  /**
   * Every place to change when the value, input or dim at `offset` is renamed: each definition
   * of that name in the same model or block (a rebinding `x = x + …` is the same name) and
   * every read of them.
   */
  rename(file: string, offset: number, newName: string): RenameResult {
    if (!IDENTIFIER.test(newName) || KEYWORDS.has(newName))
      return { ok: false, reason: `\`${newName}\` is not a name a spec can use` };
    const target = this.at(file, offset).find((l) => RENAMEABLE.has(l.occurrence.kind));
    if (!target) return { ok: false, reason: "only a value, an input or a dim can be renamed" };
    const { name, definition } = target.occurrence;
    const home = this.enclosing(definition!);
    const all = this.spec.symbols.flatMap((m) => m.occurrences);
    const sites = all.filter(
      (o) =>
        o.isDefinition &&
        o.name === name &&
        RENAMEABLE.has(o.kind) &&
        home !== undefined &&
        sameSpan(this.enclosing(o.span) ?? o.span, home),
    );
    const spans = new Map<string, Span>();
    for (const o of all) {
      if (sites.some((site) => o.definition && sameSpan(o.definition, site.span)))
        spans.set(`${o.span.file}:${o.span.start}`, o.span);
    }
    return { ok: true, spans: [...spans.values()].sort((a, b) => a.start - b.start) };
  }

  /** The model or block whose text holds `span`. */
  private enclosing(span: Span): Span | undefined {
    const items = [...this.spec.loaded.models, ...this.spec.loaded.blocks.values()];
    return items.find((i) => i.span.file === span.file && contains(i.span, span.start))?.span;
  }
}
