/**
 * `loom compile SPEC --out DIR`: compiles the spec (src/api/compile.ts) and writes the bundle
 * directory atomically. Exit 0 written, 1 errors in the spec, the plan or the weights, 2 usage or
 * I/O. With `--emit`, standard output gets the bundle's typed IR or kernel plan (text or JSON) and
 * the summary goes to standard error. The lowering can be injected: tests pass a fake.
 */
import {
  compileSpec,
  defaultLower,
  writeCompiledBundle,
  type CompileOptions as ApiCompileOptions,
  type Lower,
} from "../api/compile.ts";
import { bufferBytes, groupDigits, WEIGHTS_FILE, type KernelPlan } from "../api/bundle.ts";
import { printIr, printPlan, type TypedIr } from "../api/check.ts";
import { sizeOf } from "../api/weights.ts";
import type { EmitKind } from "./check.ts";
import { EXIT, type Io } from "./io.ts";
import { report, reportError } from "./report.ts";
import { LoomError } from "../api/errors.ts";
import type { Diagnostic } from "../api/check.ts";

export interface CompileOptions extends Omit<ApiCompileOptions, "weights" | "read"> {
  /** The bundle directory to write. */
  out: string;
  /** A safetensors file of weights (any layout `--layout` reads); else seeded weights. */
  weights?: string;
  /** Replace an existing bundle at `out`. */
  force: boolean;
  /** Print the bundle's IR or plan on standard output (the summary then goes to standard error). */
  emit?: EmitKind;
}

/** `loom compile SPEC --out DIR`: writes a bundle; returns the exit status. */
export function runCompile(
  spec: string,
  opts: CompileOptions,
  io: Io,
  lower: Lower = defaultLower,
): number {
  let compiled;
  let written;
  const writeWarnings: Diagnostic[] = [];
  try {
    compiled = compileSpec(spec, opts, lower);
    written = writeCompiledBundle(compiled, opts.out, {
      force: opts.force,
      onWarning: (warning) => writeWarnings.push(warning),
    });
  } catch (error) {
    if (error instanceof LoomError) return reportError(error, io);
    throw error;
  }
  const { manifest, files } = written;
  report([...compiled.warnings, ...writeWarnings], compiled.sources, io);
  const { ir, plan, profile, weights } = compiled;
  const weightBuffers = plan.buffers.filter((b) => b.kind === "weight").length;
  const parameters = [...weights.values()].reduce((n, t) => n + sizeOf(t.shape), 0);
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  if (opts.emit) io.stdout(emitted(compiled, opts.emit));
  (opts.emit ? io.stderr : io.stdout)(
    [
      `compiled ${ir.model} (${spec}) for device profile ${profile.name}`,
      `  kernels:    ${plan.kernels.length} (WGSL in ${opts.out}/kernels/)`,
      `  dispatches: ${dispatchSummary(plan)}`,
      `  buffers:    ${plan.buffers.length} (${weightBuffers} weights), ${groupDigits(allocatedBytes(plan))} bytes at the bounds (${formatSizes(plan.sizes.max)})`,
      `  weights:    ${manifest.weights.tensors} tensors, ${groupDigits(parameters)} parameters, ${groupDigits(manifest.weights.bytes)} bytes in ${WEIGHTS_FILE} (${formatSummary(manifest.weights.format, compiled.packedTensors)}, ${compiled.weightsOrigin})`,
      `wrote ${opts.out}/: ${files.length} files, ${groupDigits(total)} bytes`,
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}

/** The weights' format as the summary says it: f32, or which tensors are packed. */
function formatSummary(format: string, packed: number): string {
  return format === "f32"
    ? "f32"
    : `${packed} weight${packed === 1 ? "" : "s"} packed as ${format} (matmuls, embeddings), the rest f32`;
}

/** The compiled IR or plan as `--emit` asks: text, one line a node or step, or JSON. */
function emitted(compiled: { ir: TypedIr; plan: KernelPlan }, emit: EmitKind): string {
  if (emit === "ir") return printIr(compiled.ir);
  if (emit === "plan") return printPlan(compiled.plan, compiled.ir.model);
  return `${JSON.stringify(emit === "ir-json" ? compiled.ir : compiled.plan, null, 2)}\n`;
}

/** "12 per step, 3 in the encoder", or "12 per prefill step, 10 per decode step, …". */
export function dispatchSummary(plan: Pick<KernelPlan, "steps">): string {
  const step = plan.steps.filter((s) => s.phase === "step");
  const encoder = plan.steps.length - step.length;
  const prefill = step.filter((s) => s.when !== "decode").length;
  const decode = step.filter((s) => s.when !== "prefill").length;
  return [
    prefill === decode
      ? `${step.length} per step`
      : `${prefill} per prefill step, ${decode} per decode step`,
    ...(encoder > 0 ? [`${encoder} in the encoder`] : []),
  ].join(", ");
}

/** Bytes the runtime allocates at the bounds: buffers sharing a slot share its largest size. */
export function allocatedBytes(plan: Pick<KernelPlan, "buffers">): number {
  const slots = new Map<number, number>();
  let total = 0;
  for (const buffer of plan.buffers) {
    const bytes = bufferBytes(buffer);
    if (buffer.slot === undefined) total += bytes;
    else slots.set(buffer.slot, Math.max(slots.get(buffer.slot) ?? 0, bytes));
  }
  return total + [...slots.values()].reduce((a, b) => a + b, 0);
}

export function formatSizes(sizes: Readonly<Record<string, number>>): string {
  const entries = Object.entries(sizes);
  return entries.length === 0
    ? "no runtime sizes"
    : entries.map(([k, v]) => `${k} = ${v}`).join(", ");
}
