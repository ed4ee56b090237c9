/** Human-readable numbers for `loom summary`: decimal (SI) prefixes, one decimal place. */

const COUNT_PREFIXES = ["", " K", " M", " B", " T"];
const SI_PREFIXES = ["", " K", " M", " G", " T", " P"];

function scaled(n: number, prefixes: readonly string[], unit: string): string {
  let i = 0;
  let v = Math.abs(n);
  while (v >= 999.95 && i < prefixes.length - 1) {
    v /= 1000;
    i++;
  }
  const sign = n < 0 ? "-" : "";
  const digits = i === 0 && Number.isInteger(v) ? String(v) : v.toFixed(1);
  const prefix = prefixes[i]!;
  return `${sign}${digits}${prefix || (unit ? " " : "")}${unit}`;
}

/** A count: 124439808 → "124.4 M", 6738415616 → "6.7 B", 512 → "512". */
export function humanCount(n: number): string {
  return scaled(n, COUNT_PREFIXES, "");
}

/** Bytes, decimal: 497759232 → "497.8 MB". */
export function humanBytes(n: number): string {
  return scaled(n, SI_PREFIXES, "B");
}

/** FLOPs: 2.9e8 → "290.0 MFLOP". */
export function humanFlops(n: number): string {
  return scaled(n, SI_PREFIXES, "FLOP");
}

/** An exact number with thousands separators: 124439808 → "124,439,808"; fractions keep one decimal. */
export function groupDigits(n: number): string {
  const text = Number.isInteger(n) ? String(n) : n.toFixed(1);
  const [whole, fraction] = text.split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
