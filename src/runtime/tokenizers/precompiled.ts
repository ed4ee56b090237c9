/**
 * The `Precompiled` normalizer of a tokenizer.json: SentencePiece's charsmap (a darts-clone
 * double-array trie over UTF-8 bytes and the strings it maps to), applied as the Rust `tokenizers`
 * library applies it. @huggingface/tokenizers only approximates it by NFKC, so hub.ts puts this in
 * its place.
 */

/** The charsmap's parts: trie units and the NUL-terminated replacement strings (UTF-8). */
interface Charsmap {
  units: Uint32Array;
  normalized: Uint8Array;
}

/** The normalize function of a base64 charsmap, or why it is malformed. */
export function precompiledNormalizer(base64: string): ((text: string) => string) | string {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    return "`precompiled_charsmap` is not base64";
  }
  if (bytes.length < 4) return "`precompiled_charsmap` is shorter than its 4-byte header";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trieBytes = view.getUint32(0, true);
  if (trieBytes % 4 !== 0 || 4 + trieBytes > bytes.length || trieBytes === 0)
    return `\`precompiled_charsmap\` declares a ${trieBytes}-byte trie in ${bytes.length - 4} bytes`;
  const units = new Uint32Array(trieBytes / 4);
  for (let i = 0; i < units.length; i++) units[i] = view.getUint32(4 + 4 * i, true);
  const map: Charsmap = { units, normalized: bytes.subarray(4 + trieBytes) };
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const encoder = new TextEncoder();
  return (text) => {
    let out = "";
    for (const { segment } of segmenter.segment(text)) {
      // A short grapheme may map whole; otherwise (or when it does not) each character on its own.
      const whole = encoder.encode(segment);
      const mapped = whole.length < 6 ? transform(map, whole) : undefined;
      if (mapped !== undefined) {
        out += mapped;
        continue;
      }
      for (const c of segment) out += transform(map, encoder.encode(c)) ?? c;
    }
    return out;
  };
}

/** The replacement of the shortest key that is a prefix of `chunk`, if any (Rust's `transform`). */
function transform(map: Charsmap, chunk: Uint8Array): string | undefined {
  const index = firstPrefixValue(map.units, chunk);
  if (index === undefined || index >= map.normalized.length) return undefined;
  let end = index;
  while (end < map.normalized.length && map.normalized[end] !== 0) end++;
  return new TextDecoder().decode(map.normalized.subarray(index, end));
}

/** darts-clone's common-prefix search, stopped at its first result. */
function firstPrefixValue(units: Uint32Array, key: Uint8Array): number | undefined {
  const at = (pos: number) => (pos < units.length ? units[pos]! : 0);
  const offset = (unit: number) => (unit >>> 10) << ((unit & 0x200) >>> 6);
  let node = offset(at(0));
  for (const c of key) {
    if (c === 0) break;
    node ^= c;
    const unit = at(node);
    if ((unit & 0x800000ff) >>> 0 !== c) return undefined;
    node ^= offset(unit);
    if ((unit >>> 8) & 1) return at(node) & 0x7fffffff;
  }
  return undefined;
}
