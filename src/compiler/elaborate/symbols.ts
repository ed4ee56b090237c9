import { formatDim } from "../../contracts/dims.ts";
import type { Span } from "../../contracts/source.ts";
import type { DefinitionKind } from "./env.ts";
import type { Value } from "./values.ts";

/** What a name in the source stands for. */
export type SymbolKind = DefinitionKind | "label" | "block" | "layer";

/** One place a name is written: where it is defined, or a read of it. */
export interface SymbolOccurrence {
  name: string;
  kind: SymbolKind;
  /** The name as written. */
  span: Span;
  /** The name at its definition; absent for a built-in layer. */
  definition?: Span;
  /** Whether this occurrence is the definition itself. */
  isDefinition: boolean;
  /** The tensor values (ids in this model's IR) the name held here, one per expansion. */
  tensors: number[];
  /** A dim's or number's value as text (`768`, `seq`), when it held one. */
  scalar?: string;
}

const key = (span: Span): string => `${span.file}:${span.start}:${span.end}`;

/**
 * Collects the names an elaboration resolves, for editor queries (definition, rename, hover).
 * A name in a repeat or a block is resolved once per expansion; each place is kept once.
 */
export class SymbolRecorder {
  private readonly byPlace = new Map<string, SymbolOccurrence>();

  get occurrences(): SymbolOccurrence[] {
    return [...this.byPlace.values()];
  }

  /** A name bound (`isDefinition`) or read, holding `value`. */
  name(name: string, kind: DefinitionKind, span: Span, definition: Span, value: Value): void {
    const entry = this.entry(name, kind, span, definition);
    if (value.kind === "tensor" && !entry.tensors.includes(value.id)) entry.tensors.push(value.id);
    if (value.kind === "dim") entry.scalar ??= formatDim(value.dim);
    if (value.kind === "number") entry.scalar ??= String(value.value);
  }

  /** A label defined with `as` or named by `tied_to`, or a block's callee. */
  reference(name: string, kind: "label" | "block", span: Span, definition: Span): void {
    this.entry(name, kind, span, definition);
  }

  /** The callee of a built-in layer. */
  layer(name: string, span: Span): void {
    this.byPlace.set(key(span), { name, kind: "layer", span, isDefinition: false, tensors: [] });
  }

  private entry(name: string, kind: SymbolKind, span: Span, definition: Span): SymbolOccurrence {
    const found = this.byPlace.get(key(span));
    if (found) return found;
    const isDefinition = key(span) === key(definition);
    const entry: SymbolOccurrence = { name, kind, span, definition, isDefinition, tensors: [] };
    this.byPlace.set(key(span), entry);
    return entry;
  }
}
