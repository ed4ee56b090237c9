/**
 * Scope names for layers, which become weight names: `blocks.3.attention.q.weight`.
 * A repeat adds `<scope>.<i>`, a block call adds the block's name (or its label), and each
 * layer is named by its label or by its op, numbered from the second of a kind in a scope.
 */
export class Scope {
  private readonly counters = new Map<string, number>();

  constructor(readonly prefix: string) {}

  /** The unique name of a new layer (or sub-scope) called `base` in this scope. */
  fresh(base: string): string {
    const n = this.counters.get(base) ?? 0;
    this.counters.set(base, n + 1);
    const local = n === 0 ? base : `${base}_${n}`;
    return this.prefix ? `${this.prefix}.${local}` : local;
  }

  /** The exact name `local` in this scope, reserving it; undefined if already taken. */
  claim(local: string): string | undefined {
    if (this.counters.has(local)) return undefined;
    this.counters.set(local, 1);
    return this.prefix ? `${this.prefix}.${local}` : local;
  }

  child(name: string): Scope {
    return new Scope(name);
  }
}
