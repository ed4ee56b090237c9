import type { TypedIr } from "../contracts/ir/schema.ts";
import { InputError } from "./errors.ts";

/** The batch bound to compile for: `wanted`, which must fit the spec's own bound, or that bound. */
export function batchBound(ir: TypedIr, wanted: number | undefined): number | undefined {
  if (wanted === undefined) return undefined;
  if (!Number.isSafeInteger(wanted) || wanted < 1)
    throw new InputError(`--max-batch takes a positive integer, got ${wanted}`);
  const batch = String(ir.inputs[0]?.shape[0] ?? "");
  const declared = ir.symbols.find((s) => s.name === batch)?.bound;
  if (declared !== undefined && declared !== null && wanted > declared)
    throw new InputError(
      `--max-batch ${wanted} is above the spec's own bound \`${batch} <= ${declared}\`; raise the bound in the spec or pass at most ${declared}`,
    );
  return wanted;
}
