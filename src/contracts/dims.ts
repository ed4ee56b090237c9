/**
 * Symbolic dimensions: polynomials with integer coefficients over dim symbols (`batch`, `seq`),
 * kept in one canonical form so that equal dims are structurally equal and format alike.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One term: an integer coefficient times a product of symbols (sorted, repeats for powers). */
interface Term {
  readonly coeff: number;
  readonly symbols: readonly string[];
}

/** A dim: a static integer or a polynomial over symbols. Build it with the functions below. */
export interface Dim {
  /** Canonical terms: no zero coefficients, no repeated monomial, ordered as formatDim prints them. */
  readonly terms: readonly Term[];
}

/** A static dim. */
export function dimConst(n: number): Dim {
  if (!Number.isSafeInteger(n)) throw new RangeError(`dim constant must be an integer, got ${n}`);
  return normalize([{ coeff: n, symbols: [] }]);
}

/** A dim that is one symbol. */
export function dimSym(name: string): Dim {
  if (!IDENTIFIER.test(name)) throw new RangeError(`dim symbol must be an identifier, got ${name}`);
  return normalize([{ coeff: 1, symbols: [name] }]);
}

/** a + b. */
export function dimAdd(a: Dim, b: Dim): Dim {
  return normalize([...a.terms, ...b.terms]);
}

/** a - b. */
export function dimSub(a: Dim, b: Dim): Dim {
  return normalize([...a.terms, ...b.terms.map((t) => ({ coeff: -t.coeff, symbols: t.symbols }))]);
}

/** a * b. */
export function dimMul(a: Dim, b: Dim): Dim {
  const terms: Term[] = [];
  for (const x of a.terms) {
    for (const y of b.terms)
      terms.push({ coeff: x.coeff * y.coeff, symbols: [...x.symbols, ...y.symbols] });
  }
  return normalize(terms);
}

/**
 * a / b when the division is exact: b a constant or a monomial dividing every term of a, or
 * a polynomial that a is a constant or monomial multiple of; otherwise undefined.
 */
export function dimDivExact(a: Dim, b: Dim): Dim | undefined {
  const [lead] = b.terms;
  if (lead === undefined) return undefined;
  if (b.terms.length === 1) {
    const terms: Term[] = [];
    for (const t of a.terms) {
      const q = divTerm(t, lead);
      if (q === undefined) return undefined;
      terms.push(q);
    }
    return normalize(terms);
  }
  const [aLead] = a.terms;
  if (aLead === undefined) return a;
  const q = divTerm(aLead, lead);
  if (q === undefined) return undefined;
  const quotient = normalize([q]);
  return dimEquals(dimMul(quotient, b), a) ? quotient : undefined;
}

/** Whether two dims are the same polynomial. */
export function dimEquals(a: Dim, b: Dim): boolean {
  return formatDim(a) === formatDim(b);
}

/** The value of a dim without symbols, else undefined. */
export function dimStatic(d: Dim): number | undefined {
  if (d.terms.length === 0) return 0;
  const [t] = d.terms;
  return d.terms.length === 1 && t!.symbols.length === 0 ? t!.coeff : undefined;
}

/** The symbols a dim mentions, sorted and without repeats. */
export function dimSymbols(d: Dim): string[] {
  return [...new Set(d.terms.flatMap((t) => t.symbols))].sort();
}

/** The canonical text of a dim, e.g. "batch * seq", "2 * seq + 1", "seq - 1", "0". */
export function formatDim(d: Dim): string {
  if (d.terms.length === 0) return "0";
  return d.terms
    .map((t, i) => {
      const size = Math.abs(t.coeff);
      const factors = size === 1 && t.symbols.length > 0 ? t.symbols : [String(size), ...t.symbols];
      const body = factors.join(" * ");
      if (i === 0) return t.coeff < 0 ? `-${body}` : body;
      return t.coeff < 0 ? ` - ${body}` : ` + ${body}`;
    })
    .join("");
}

/** A dim as JSON: a number when static, else its canonical text. */
export function dimToJson(d: Dim): number | string {
  return dimStatic(d) ?? formatDim(d);
}

/** Reads what dimToJson wrote (integers, symbols, +, -, * and parentheses); undefined when malformed. */
export function dimFromJson(value: number | string): Dim | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? dimConst(value) : undefined;
  return parseDim(value);
}

/** The value of a dim with every symbol bound in env, else undefined. */
export function dimEvaluate(d: Dim, env: ReadonlyMap<string, number>): number | undefined {
  let sum = 0;
  for (const t of d.terms) {
    let product = t.coeff;
    for (const s of t.symbols) {
      const v = env.get(s);
      if (v === undefined) return undefined;
      product *= v;
    }
    sum += product;
  }
  return sum;
}

/**
 * An upper bound on a dim when each symbol s lies in [1, bounds(s)]; undefined when a term with a
 * positive coefficient has a symbol without a bound.
 */
export function dimUpperBound(
  d: Dim,
  bounds: ReadonlyMap<string, number | undefined>,
): number | undefined {
  let sum = 0;
  for (const t of d.terms) {
    if (t.coeff < 0) {
      sum += t.coeff;
      continue;
    }
    let product = t.coeff;
    for (const s of t.symbols) {
      const bound = bounds.get(s);
      if (bound === undefined) return undefined;
      product *= bound;
    }
    sum += product;
  }
  return sum;
}

/** t / by when by's symbols are among t's and its coefficient divides t's. */
function divTerm(t: Term, by: Term): Term | undefined {
  if (t.coeff % by.coeff !== 0) return undefined;
  const rest = [...t.symbols];
  for (const s of by.symbols) {
    const at = rest.indexOf(s);
    if (at < 0) return undefined;
    rest.splice(at, 1);
  }
  return { coeff: t.coeff / by.coeff, symbols: rest };
}

/** Sorts symbols, merges like terms, drops zeros, orders terms by degree desc then name. */
function normalize(terms: readonly Term[]): Dim {
  const merged = new Map<string, Term>();
  for (const t of terms) {
    const symbols = [...t.symbols].sort();
    const key = symbols.join("*");
    const coeff = (merged.get(key)?.coeff ?? 0) + t.coeff;
    merged.set(key, { coeff, symbols });
  }
  const kept = [...merged.values()].filter((t) => t.coeff !== 0);
  kept.sort((a, b) => b.symbols.length - a.symbols.length || compareSymbols(a.symbols, b.symbols));
  return Object.freeze({ terms: Object.freeze(kept.map((t) => Object.freeze(t))) });
}

function compareSymbols(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** A recursive-descent parser for dim text: sum := product (("+" | "-") product)*. */
function parseDim(text: string): Dim | undefined {
  const tokens = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*()]|\S/g) ?? [];
  let at = 0;
  const sum = (): Dim | undefined => {
    let left = product();
    while (left && (tokens[at] === "+" || tokens[at] === "-")) {
      const op = tokens[at++];
      const right = product();
      left = right && (op === "+" ? dimAdd(left, right) : dimSub(left, right));
    }
    return left;
  };
  const product = (): Dim | undefined => {
    let left = unary();
    while (left && tokens[at] === "*") {
      at++;
      const right = unary();
      left = right && dimMul(left, right);
    }
    return left;
  };
  const unary = (): Dim | undefined => {
    if (tokens[at] !== "-") return atom();
    at++;
    const inner = unary();
    return inner && dimSub(dimConst(0), inner);
  };
  const atom = (): Dim | undefined => {
    const token = tokens[at++];
    if (token === undefined) return undefined;
    if (/^\d+$/.test(token))
      return Number.isSafeInteger(Number(token)) ? dimConst(Number(token)) : undefined;
    if (IDENTIFIER.test(token)) return dimSym(token);
    if (token !== "(") return undefined;
    const inner = sum();
    return tokens[at++] === ")" ? inner : undefined;
  };
  const result = sum();
  return at === tokens.length ? result : undefined;
}
