/**
 * `loom compile SPEC --out DIR`: checks the spec, lowers it to a kernel plan, checks the plan
 * against a device profile, verifies it (plan/verify.ts: a failure is a compiler bug), binds the weights (a file, or seeded), and writes a bundle directory
 * atomically. Exit 0 written, 1 errors in the spec, the plan or the weights, 2 usage or I/O.
 * The lowering is injected: `main.ts` passes the compiler's, tests a fake.
 */
import { readFileSync } from "node:fs";
import { checkSpec } from "../compiler/compile.ts";
import { writeBundle } from "../compiler/bundle/write.ts";
import { COMPILER_VERSION } from "../compiler/bundle/version.ts";
import { WEIGHTS_FILE } from "../compiler/bundle/manifest.ts";
import { DEFAULT_PROFILE } from "../compiler/device-profile/builtins.ts";
import { checkPlanAgainstProfile, groupDigits, irSpans } from "../compiler/device-profile/check.ts";
import { describeIssue } from "../compiler/device-profile/json-issues.ts";
import { loadDeviceProfile } from "../compiler/device-profile/load.ts";
import { bufferBytes } from "../compiler/device-profile/requirements.ts";
import { profileLimits, type DeviceProfile } from "../compiler/device-profile/schema.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { renderPretty, summaryLine } from "../compiler/diagnostics/render.ts";
import type { TypedIr } from "../compiler/ir/schema.ts";
import { KernelPlan } from "../compiler/plan/schema.ts";
import { verifyPlan } from "../compiler/plan/verify.ts";
import { SourceSet } from "../compiler/source.ts";
import { sizeOf, type Tensor } from "../runtime/tensor.ts";
import { initWeights, isSeed } from "../runtime/weights/init.ts";
import { LAYOUTS, isLayoutOption, type LayoutOption } from "../runtime/weights/layouts/index.ts";
import { loadWeights } from "../runtime/weights/load.ts";
import { EXIT, readText, type Io } from "./io.ts";
import { INIT_DESCRIPTION } from "./weights.ts";

export interface CompileOptions {
  /** The bundle directory to write. */
  out: string;
  /** A safetensors file of weights (any layout `--layout` reads); else seeded weights. */
  weights?: string;
  /** Seed of the initialiser when there is no weights file (default 0). */
  initSeed?: number;
  /** Tensor naming of `weights` (default auto). */
  layout?: LayoutOption;
  /** Replace an existing bundle at `out`. */
  force: boolean;
  /** A built-in profile's name or a JSON profile's path (default webgpu-default). */
  deviceProfile?: string;
  /** Which model of the spec file, when it defines several. */
  model?: string;
}

/** What the lowering returns: the plan, or diagnostics saying why there is none. */
export interface LowerResult {
  plan?: KernelPlan;
  diagnostics: Diagnostic[];
}

/** The lowering from typed IR to a kernel plan for a device profile. */
export type Lower = (ir: TypedIr, profile: DeviceProfile) => LowerResult;

/** `loom compile SPEC --out DIR`: writes a bundle; returns the exit status. */
export function runCompile(spec: string, opts: CompileOptions, io: Io, lower: Lower): number {
  const seed = opts.initSeed ?? 0;
  if (!isSeed(seed)) {
    io.stderr(`error: --init-seed must be an integer from 0 to 4294967295, got ${seed}\n`);
    return EXIT.usage;
  }
  const layout = opts.layout ?? "auto";
  if (!isLayoutOption(layout)) {
    io.stderr(`error: --layout must be auto or one of ${LAYOUTS.join(", ")}, got ${layout}\n`);
    return EXIT.usage;
  }

  const sources = new SourceSet();
  const shown: Diagnostic[] = [];
  const finish = (status: number): number => {
    if (shown.length > 0) {
      io.stderr(renderPretty(shown, sources, { color: io.isTty && !process.env["NO_COLOR"] }));
      const line = summaryLine(shown);
      if (line) io.stderr(`${line}\n`);
    }
    return status;
  };
  const hasErrors = (diagnostics: Diagnostic[]) => diagnostics.some((d) => d.severity === "error");

  const chosen = loadDeviceProfile(opts.deviceProfile ?? DEFAULT_PROFILE);
  shown.push(...chosen.diagnostics);
  const profile = chosen.profile;
  if (!profile) return finish(EXIT.usage);

  // The spec, recording every file read so the bundle holds the includes too.
  const read = new Map<string, string>();
  const checked = checkSpec(
    spec,
    (path) => {
      const text = readText(path);
      read.set(path, text);
      return text;
    },
    sources,
  );
  shown.push(...checked.diagnostics);
  if (checked.diagnostics.some((d) => d.code === "E0103")) return finish(EXIT.usage);
  if (hasErrors(checked.diagnostics)) return finish(EXIT.errors);
  const model = pickModel(spec, checked.models, opts.model, io);
  if (typeof model === "number") return finish(model);
  const ir = model;

  const lowered = lower(ir, profile);
  shown.push(...lowered.diagnostics);
  if (hasErrors(lowered.diagnostics)) return finish(EXIT.errors);
  if (!lowered.plan) {
    io.stderr(`error: the lowering produced no kernel plan for \`${ir.model}\`\n`);
    return finish(EXIT.errors);
  }
  const valid = KernelPlan.safeParse(lowered.plan);
  if (!valid.success) {
    io.stderr(
      `error: internal error: the lowering produced an invalid kernel plan for \`${ir.model}\`:\n${valid.error.issues
        .slice(0, 10)
        .map((issue) => `  ${describeIssue(issue, lowered.plan)}\n`)
        .join("")}`,
    );
    return finish(EXIT.errors);
  }
  const plan = valid.data;
  const sizes = plan.sizes.max;
  const violations = checkPlanAgainstProfile(plan, profile, {
    spanOf: irSpans(plan, ir),
    file: spec,
  });
  shown.push(...violations);
  if (hasErrors(violations)) return finish(EXIT.errors);
  const unsound = verifyPlan(plan, profileLimits(profile), { file: spec });
  shown.push(...unsound);
  if (hasErrors(unsound)) return finish(EXIT.errors);

  // The weights: a file in any layout (converted to Loom's), or the seeded initialiser.
  let weights: Map<string, Tensor>;
  let metadata: Record<string, string>;
  let origin: string;
  if (opts.weights !== undefined) {
    let bytes: Uint8Array;
    try {
      const buffer = readFileSync(opts.weights);
      bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    } catch (error) {
      io.stderr(
        `error[E0508]: cannot read weights file \`${opts.weights}\`: ${(error as Error).message}\n`,
      );
      return finish(EXIT.usage);
    }
    const loaded = loadWeights(ir, opts.weights, bytes, { layout });
    shown.push(...loaded.diagnostics);
    if (!loaded.weights) return finish(EXIT.errors);
    weights = loaded.weights;
    metadata = {
      ...Object.fromEntries(
        Object.entries(loaded.metadata).filter(([key]) => key.startsWith("tokenizer.")),
      ),
      "loom.converted_from": `${opts.weights} (layout ${loaded.layout ?? layout})`,
    };
    origin = `from ${opts.weights}, layout ${loaded.layout ?? layout}`;
  } else {
    weights = initWeights(ir, seed);
    metadata = { "loom.seed": String(seed), "loom.init": INIT_DESCRIPTION };
    origin = `seed ${seed}`;
  }
  const tokenizerMetadata = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => key.startsWith("tokenizer.")),
  );

  const createdBy = [
    `loom ${COMPILER_VERSION}: compile ${spec}`,
    ...(opts.model ? [`--model ${opts.model}`] : []),
    `--device-profile ${profile.name}`,
    opts.weights !== undefined
      ? `--weights ${opts.weights} --layout ${layout}`
      : `--init-seed ${seed}`,
  ].join(" ");
  const result = writeBundle(
    opts.out,
    {
      source: {
        file: spec,
        text: read.get(spec) ?? "",
        includes: [...read]
          .filter(([path]) => path !== spec)
          .map(([file, text]) => ({ file, text })),
      },
      ir,
      plan,
      weights,
      weightsMetadata: metadata,
      tokenizer: ir.tokenizer ? { name: ir.tokenizer, metadata: tokenizerMetadata } : null,
      profile,
      createdBy,
    },
    { force: opts.force },
  );
  shown.push(...result.diagnostics);
  if (!result.written) return finish(EXIT.usage);

  const { manifest, files } = result.written;
  const weightBuffers = plan.buffers.filter((b) => b.kind === "weight").length;
  const parameters = [...weights.values()].reduce((n, t) => n + sizeOf(t.shape), 0);
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  io.stdout(
    [
      `compiled ${ir.model} (${spec}) for device profile ${profile.name}`,
      `  kernels:    ${plan.kernels.length} (WGSL in ${opts.out}/kernels/)`,
      `  dispatches: ${dispatchSummary(plan)}`,
      `  buffers:    ${plan.buffers.length} (${weightBuffers} weights), ${groupDigits(allocatedBytes(plan))} bytes at the bounds (${formatSizes(sizes)})`,
      `  weights:    ${manifest.weights.tensors} tensors, ${groupDigits(parameters)} parameters, ${groupDigits(manifest.weights.bytes)} bytes in ${WEIGHTS_FILE} (f32, ${origin})`,
      `wrote ${opts.out}/: ${files.length} files, ${groupDigits(total)} bytes`,
      "",
    ].join("\n"),
  );
  return finish(EXIT.ok);
}

/** The one model to compile, or an exit status after saying why there is none. */
function pickModel(
  spec: string,
  models: { name: string; ir?: TypedIr }[],
  wanted: string | undefined,
  io: Io,
): TypedIr | number {
  const names = models.map((m) => m.name);
  const chosen =
    wanted === undefined
      ? models.length === 1
        ? models[0]
        : undefined
      : models.find((m) => m.name === wanted);
  if (!chosen) {
    io.stderr(
      wanted === undefined
        ? names.length === 0
          ? `error: \`${spec}\` defines no model\n`
          : `error: \`${spec}\` defines ${names.length} models (${names.join(", ")}); pick one with --model\n`
        : `error: \`${spec}\` has no model \`${wanted}\`; it defines ${names.join(", ") || "none"}\n`,
    );
    return EXIT.usage;
  }
  return chosen.ir ?? EXIT.errors;
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
