import { readFileSync } from "node:fs";
import { dimEvaluate, dimFromJson, dimSymbols } from "../contracts/dims.ts";
import type { TypedIr } from "../contracts/ir/schema.ts";
import { sizeOf, type Tensor } from "../contracts/tensor.ts";
import { InputError } from "./errors.ts";

type Input = TypedIr["inputs"][number];

/** A user-facing failure to assemble inputs; the message says what to pass instead. */
export { InputError } from "./errors.ts";

/** Reads `--input name=FILE.json`: `{ "shape": [...], "data": [...] }` or nested arrays. */
export function readInputFile(path: string): Tensor {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(`cannot read input file "${path}": ${(error as Error).message}`);
  }
  if (value && typeof value === "object" && "shape" in value && "data" in value) {
    const { shape, data } = value as { shape: unknown; data: unknown };
    if (
      Array.isArray(shape) &&
      shape.every((d) => Number.isInteger(d) && d > 0) &&
      Array.isArray(data)
    ) {
      if (data.length !== sizeOf(shape as number[]) || !data.every((v) => typeof v === "number")) {
        throw new InputError(
          `"${path}": data must hold ${sizeOf(shape as number[])} numbers for shape [${shape.join(", ")}]`,
        );
      }
      return { shape: shape as number[], data: Float64Array.from(data as number[]) };
    }
  }
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const flat = (Array.isArray(value) ? value.flat(Infinity) : []) as unknown[];
  if (
    shape.length === 0 ||
    flat.length !== sizeOf(shape) ||
    !flat.every((v) => typeof v === "number")
  ) {
    throw new InputError(
      `"${path}" must be {"shape": [...], "data": [...]} or a rectangular nested array of numbers`,
    );
  }
  return { shape, data: Float64Array.from(flat as number[]) };
}

/** Token ids must index the table of every embedding that reads them. */
function checkIds(ir: TypedIr, input: Input, tensor: Tensor): void {
  if (input.dtype !== "int") return;
  for (const node of ir.nodes) {
    if (node.op !== "embed" || node.inputs["ids"] !== input.value) continue;
    const vocab = node.attrs["vocab"] as number;
    const bad = tensor.data.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad >= 0) {
      throw new InputError(
        `token id ${tensor.data[bad]} (at index ${bad} of \`${input.name}\`) is outside the vocabulary [0, ${vocab - 1}] of \`${node.name}\``,
      );
    }
  }
}

/**
 * Every value keeps at least one position on each axis at these sizes: a slice that drops a fixed
 * count (`slice(x, seq, 1)`, `seq - 1` positions) needs a longer input than that count.
 */
function checkLengths(ir: TypedIr, symbols: ReadonlyMap<string, number>): void {
  const values = new Map(ir.values.map((v) => [v.id, v]));
  for (const node of ir.nodes) {
    const value = values.get(node.output);
    for (const axis of value?.kind === "tensor" ? value.shape : []) {
      // Plain symbols are the inputs' own lengths; only sizes derived from them can shrink to 0.
      if (typeof axis === "number" || /^[A-Za-z_]\w*$/.test(axis)) continue;
      const dim = dimFromJson(axis)!;
      const size = dimEvaluate(dim, symbols);
      if (size === undefined || size >= 1) continue;
      const at = dimSymbols(dim)
        .map((s) => `${s} = ${symbols.get(s)}`)
        .join(", ");
      throw new InputError(
        `the input is too short for \`${node.name}\`: with ${at} its axis \`${axis}\` would have ${size} positions`,
      );
    }
  }
}

/** The first `n` positions of axis `axis` of a tensor. */
function firstAlong(tensor: Tensor, axis: number, n: number): Tensor {
  const outer = sizeOf(tensor.shape.slice(0, axis));
  const inner = sizeOf(tensor.shape.slice(axis + 1));
  const size = tensor.shape[axis]!;
  const data = new Float64Array(outer * n * inner); // [outer, n, inner]
  for (let o = 0; o < outer; o++)
    data.set(tensor.data.subarray(o * size * inner, (o * size + n) * inner), o * n * inner);
  return { shape: tensor.shape.map((d, i) => (i === axis ? n : d)), data };
}

/**
 * Fills every model input: the given ones as they are, the token input from `tokens`, other int
 * inputs with zeros (segment ids), sized from the dynamic dims the given inputs bind; checks
 * ranks, static sizes and sequence bounds, and cuts an input longer than a `truncate` bound to
 * it (telling `note`). A bool input (a padding mask) is filled with true only
 * for a single sequence, which has no padding, and `note` is told; for several sequences it must
 * be given, since which positions are padding cannot be guessed.
 */
export function assembleInputs(
  ir: TypedIr,
  given: Record<string, Tensor>,
  tokens?: { input: string; ids: number[] },
  note: (message: string) => void = () => {},
): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = { ...given };
  for (const name of Object.keys(given)) {
    if (!ir.inputs.some((i) => i.name === name)) {
      throw new InputError(
        `the model has no input \`${name}\`; its inputs are ${ir.inputs.map((i) => `\`${i.name}\``).join(", ")}`,
      );
    }
  }
  if (tokens)
    inputs[tokens.input] = { shape: [1, tokens.ids.length], data: Float64Array.from(tokens.ids) };

  const symbols = new Map<string, number>();
  const bind = (input: Input, tensor: Tensor) => {
    if (tensor.shape.length !== input.shape.length) {
      throw new InputError(
        `input \`${input.name}\` has rank ${input.shape.length} ([${input.shape.join(", ")}]) but was given shape [${tensor.shape.join(", ")}]`,
      );
    }
    input.shape.forEach((axis, i) => {
      const size = tensor.shape[i]!;
      if (typeof axis === "number") {
        if (axis !== size)
          throw new InputError(
            `input \`${input.name}\` needs size ${axis} on axis ${i}, got ${size}`,
          );
      } else if (/^[A-Za-z_]\w*$/.test(axis)) {
        const symbol = ir.symbols.find((s) => s.name === axis);
        const bound = symbol?.bound ?? null;
        const cut = bound !== null && size > bound && symbol?.truncate === true;
        const kept = cut ? bound : size;
        const known = symbols.get(axis);
        if (known !== undefined && known !== kept) {
          throw new InputError(
            `dim \`${axis}\` is ${known} in one input but ${size} in \`${input.name}\``,
          );
        }
        if (cut) {
          note(
            `input \`${input.name}\` has ${size} positions on \`${axis}\`; kept the first ${bound} (\`${axis} <= ${bound} truncate\`)`,
          );
          inputs[input.name] = firstAlong(inputs[input.name]!, i, bound);
        } else if (bound !== null && size > bound) {
          throw new InputError(
            `input \`${input.name}\` has ${size} positions on \`${axis}\`, above its bound ${axis} <= ${bound}`,
          );
        }
        symbols.set(axis, kept);
      }
    });
  };
  for (const input of ir.inputs) if (inputs[input.name]) bind(input, inputs[input.name]!);
  for (const input of ir.inputs) if (inputs[input.name]) checkIds(ir, input, inputs[input.name]!);
  checkLengths(ir, symbols);

  for (const input of ir.inputs) {
    if (inputs[input.name]) continue;
    const shape = input.shape.map((axis) => {
      const dim = dimFromJson(axis)!;
      const size = dimEvaluate(dim, symbols);
      if (size === undefined) {
        throw new InputError(
          `input \`${input.name}\` [${input.shape.join(", ")}] needs \`${dimSymbols(dim).join("`, `")}\`, which no given input sets; pass it with --input ${input.name}=FILE.json`,
        );
      }
      return size;
    });
    if (input.dtype === "float") {
      throw new InputError(
        `input \`${input.name}\` (float[${input.shape.join(", ")}]) has no default; pass it with --input ${input.name}=FILE.json`,
      );
    }
    if (input.dtype === "bool") {
      if ((shape[0] ?? 1) > 1)
        throw new InputError(
          `input \`${input.name}\` (bool[${input.shape.join(", ")}]) is a mask, and with ${shape[0]} sequences which positions are padding cannot be guessed: pass it with --input ${input.name}=FILE.json (1 for a real position, 0 for padding)`,
        );
      note(
        `input \`${input.name}\` was not given: one sequence has no padding, so every position is true (pass --input ${input.name}=FILE.json to mask some)`,
      );
    }
    inputs[input.name] = {
      shape,
      data: new Float64Array(sizeOf(shape)).fill(input.dtype === "bool" ? 1 : 0),
    };
  }
  return inputs;
}
