/**
 * WGSL that reads packed weights (the row layouts of src/contracts/weight-format.ts) and unpacks
 * them in registers: the row constants, a vec4 reader for matmuls and an element reader for
 * gathers. Each reader is one function per binding, `<name>_at(row, …)`, since WGSL functions
 * cannot take a storage array as a parameter.
 */
import { Q4_BLOCK, rowWords, type PackedFormat } from "../../contracts/weight-format.ts";

/** The prelude's constants of a packed format with rows of k: words per row (and q4's scale words). */
export function packedRowConstants(format: PackedFormat, k: number): string[] {
  const lines = [
    `const RW: u32 = ${rowWords(format, k)}u; // u32 words per packed row (${format})`,
  ];
  if (format === "q4")
    lines.push(
      `const SW: u32 = ${Math.ceil(k / (2 * Q4_BLOCK))}u; // ceil(row length / 64): words of f16 block scales at the start of a row`,
    );
  return lines;
}

/** `<w>_at(row, q)`: elements 4q … 4q + 3 of row `row` of the packed matrix `w`, unpacked in registers. */
export function unpackVec4(format: PackedFormat, w: string): string[] {
  const head = `fn ${w}_at(row: u32, q: u32) -> vec4<f32> {`;
  switch (format) {
    case "f16":
      return [
        `// f16: two halves a word, element 2j in the low half.`,
        head,
        `  let i = row * RW + 2u * q;`,
        `  return vec4<f32>(unpack2x16float(${w}[i]), unpack2x16float(${w}[i + 1u]));`,
        `}`,
        "",
      ];
    case "q8":
      return [
        `// q8: the row's f32 scale, then four int8 a word, element 4q in the lowest byte.`,
        head,
        `  let base = row * RW;`,
        `  let v = vec4<i32>(bitcast<i32>(${w}[base + 1u + q]));`,
        `  let bytes = (v << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u); // sign-extended`,
        `  return bitcast<f32>(${w}[base]) * vec4<f32>(bytes);`,
        `}`,
        "",
      ];
    case "q4":
      return [
        `// q4: blocks of 32 with f16 scales (two a word) first, then eight nibbles a word; w = d · (q − 8).`,
        head,
        `  let base = row * RW;`,
        `  let b = q / 8u; // block of elements 4q … 4q + 3`,
        `  let scales = unpack2x16float(${w}[base + b / 2u]);`,
        `  let d = select(scales.x, scales.y, (b & 1u) == 1u);`,
        `  let word = ${w}[base + SW + q / 2u] >> (16u * (q & 1u));`,
        `  let nibbles = (vec4<u32>(word) >> vec4<u32>(0u, 4u, 8u, 12u)) & vec4<u32>(15u);`,
        `  return d * (vec4<f32>(nibbles) - 8.0);`,
        `}`,
        "",
      ];
  }
}

/** `<w>_at(row, c)`: element c of row `row` of the packed matrix `w`, unpacked in registers. */
export function unpackElement(format: PackedFormat, w: string): string {
  const body = {
    f16: [
      `  let halves = unpack2x16float(${w}[row * RW + c / 2u]);`,
      `  return select(halves.x, halves.y, (c & 1u) == 1u);`,
    ],
    q8: [
      `  let word = bitcast<i32>(${w}[row * RW + 1u + c / 4u]);`,
      `  let q = (word << (24u - 8u * (c & 3u))) >> 24u; // sign-extended byte c % 4`,
      `  return bitcast<f32>(${w}[row * RW]) * f32(q);`,
    ],
    q4: [
      `  let b = c / 32u; // block of element c`,
      `  let scales = unpack2x16float(${w}[row * RW + b / 2u]);`,
      `  let d = select(scales.x, scales.y, (b & 1u) == 1u);`,
      `  let q = (${w}[row * RW + SW + c / 8u] >> (4u * (c & 7u))) & 15u;`,
      `  return d * (f32(q) - 8.0);`,
    ],
  }[format];
  return [`fn ${w}_at(row: u32, c: u32) -> f32 {`, ...body, `}`, ""].join("\n");
}
