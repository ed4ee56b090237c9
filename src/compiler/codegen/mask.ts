/**
 * Mask arithmetic, elementwise over `count` values: comparisons of a tensor with a number (a bool
 * mask, 1 or 0 in u32) and float(x) (a bool or int tensor as f32). Int tensors are stored as u32
 * and read as i32, so a negative id compares as negative.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constF32,
  declareBindings,
  flatKernel,
  flatPrelude,
  f32Literal,
} from "./elementwise-wgsl.ts";

export type ElementType = "float" | "int" | "bool";
export type Comparator = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** How each element type is stored and read as f32. */
const STORED: Record<ElementType, { wgsl: "f32" | "i32" | "u32"; read: string }> = {
  float: { wgsl: "f32", read: "x[i]" },
  int: { wgsl: "i32", read: "f32(x[i])" },
  bool: { wgsl: "u32", read: "f32(x[i])" },
};

const COMPARATORS = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);
const NAMES: Record<Comparator, string> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
};

function maskKernel(
  name: string,
  dtype: ElementType,
  outType: "f32" | "u32",
  doc: string,
  body: string,
  prelude: string[] = [],
): Kernel {
  if (!(dtype in STORED)) throw new RangeError(`unknown element type \`${dtype}\``);
  const params = [{ name: "count", value: "count" }];
  const { bindings, wgsl: decls } = declareBindings(params, [
    { name: "x", access: "read", type: STORED[dtype].wgsl, doc: `[count] ${dtype} input` },
    { name: "out", access: "read_write", type: outType, doc: `[count] ${doc}` },
  ]);
  const wgsl = `// ${name}: ${doc}, elementwise over [count].
${[...flatPrelude(), ...prelude].join("\n")}

${decls}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = group.x * BLOCK + k * WG + tid;
    if (i < params.count) {
      ${body}
    }
  }
}
`;
  return flatKernel(name, wgsl, bindings, params, "count");
}

export interface CompareOptions {
  dtype: ElementType;
  cmp: Comparator;
  /** The number compared with. */
  value: number;
}

/**
 * out = 1u where x cmp VALUE, else 0u (compared in f32).
 * Bindings: params {count}, x [count] (read), out [count] u32 (read_write).
 * Dispatch: ceil(count / 1024) workgroups.
 */
export function compareKernel(options: CompareOptions): Kernel {
  const { dtype, cmp, value } = options;
  if (!COMPARATORS.has(cmp)) throw new RangeError(`unknown comparison \`${cmp}\``);
  const name = `compare_${dtype}_${NAMES[cmp]}_${f32Literal(value)}`;
  return maskKernel(
    name.replace(/[^A-Za-z0-9_]/g, "_"),
    dtype,
    "u32",
    `1 where x ${cmp} VALUE, else 0`,
    `out[i] = select(0u, 1u, ${STORED[dtype].read} ${cmp} VALUE);`,
    [constF32("VALUE", value, "the number compared with")],
  );
}

/**
 * out = f32(x): a bool mask as 1.0 and 0.0, an int as its value.
 * Bindings: params {count}, x [count] (read), out [count] f32 (read_write).
 * Dispatch: ceil(count / 1024) workgroups.
 */
export function toFloatKernel(dtype: ElementType): Kernel {
  return maskKernel(
    `to_float_${dtype}`,
    dtype,
    "f32",
    "x as f32",
    `out[i] = ${STORED[dtype].read};`,
  );
}
