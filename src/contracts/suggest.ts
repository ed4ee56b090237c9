/**
 * "Did you mean" suggestions: the closest candidate by edit distance. Written here rather than
 * taken from a package because it is twenty lines and the checker runs in the browser too.
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `word`, if it is near enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== undefined && candidate < best)
    ) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** "did you mean `x`?" or a fallback listing, for a hint. */
export function didYouMean(word: string, candidates: readonly string[], what: string): string {
  const near = closest(word, candidates);
  if (near) return `did you mean \`${near}\`?`;
  if (candidates.length === 0) return `no ${what} is defined here`;
  const shown = [...candidates].sort().slice(0, 12);
  const more = candidates.length > shown.length ? `, … (${candidates.length} in all)` : "";
  return `${what} here: ${shown.map((c) => `\`${c}\``).join(", ")}${more}`;
}
