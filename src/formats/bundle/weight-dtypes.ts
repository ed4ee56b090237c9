/**
 * The bundle's weights against the plan: every tensor in the dtype the manifest and the plan's
 * weight buffers declare (E0624). Shapes and byte ranges are checked by the safetensors reader
 * and the binding (E0501–E0506).
 */
import { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import type { BundleManifest } from "../../contracts/bundle/manifest.ts";
import { fileSpan, type SafetensorsHeader } from "../weights/safetensors.ts";

/** How many tensors of another dtype are listed before the rest are counted. */
const LISTED = 20;

/** Reports every tensor whose dtype is not `manifest.weights.dtype`; true when there is none. */
export function checkWeightDtypes(
  manifest: BundleManifest,
  header: SafetensorsHeader,
  bag: DiagnosticBag,
): boolean {
  const formats = new Map(Object.entries(manifest.weights.formats));
  const expectedOf = (name: string) => (formats.has(name) ? "U32" : manifest.weights.dtype);
  const bufferOf = new Map<string, { name: string; dtype: string }>();
  for (const buffer of manifest.plan.buffers)
    for (const name of buffer.weights ?? []) bufferOf.set(name, buffer);
  const wrong = header.tensors.filter((t) => t.dtype !== expectedOf(t.name));
  const span = fileSpan(header.path);
  for (const tensor of wrong.slice(0, LISTED)) {
    const buffer = bufferOf.get(tensor.name);
    const expected = expectedOf(tensor.name);
    bag.report(
      "E0624",
      span,
      `tensor \`${tensor.name}\` [${tensor.shape.join(", ")}] is stored as ${tensor.dtype}, but the bundle declares ${expected}`,
      {
        notes: [
          formats.has(tensor.name)
            ? `weights.formats packs it as ${formats.get(tensor.name)}: u32 words`
            : `weights.dtype in the manifest is ${expected}`,
          buffer
            ? `the plan's weight buffer \`${buffer.name}\` that holds it is ${buffer.dtype}`
            : "no weight buffer of the plan holds it",
        ],
        hint: "the weights file was rewritten after compiling; recompile the bundle from the weights (`loom compile SPEC --weights FILE --out DIR`), which converts them",
      },
    );
  }
  if (wrong.length > LISTED)
    bag.report(
      "E0624",
      span,
      `${wrong.length - LISTED} more tensors are not stored as the manifest declares`,
      { hint: "recompile the bundle from the weights" },
    );
  return wrong.length === 0;
}
