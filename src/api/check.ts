/** Checking specs and showing what is wrong: the front end and the diagnostic renderers. */
export { checkSpec, type CheckResult } from "../compiler/compile.ts";
export type { ReadFile } from "../compiler/elaborate/load.ts";
export { lowerToPlan, type LowerOptions } from "../compiler/lower/lower.ts";
export {
  DiagnosticBag,
  type Diagnostic,
  type Severity,
} from "../contracts/diagnostics/diagnostic.ts";
export { renderGithub } from "../contracts/diagnostics/render-github.ts";
export { renderJson } from "../contracts/diagnostics/render-json.ts";
export { renderPretty, summaryLine } from "../contracts/diagnostics/render.ts";
export { SourceFile, SourceSet, type Span } from "../contracts/source.ts";
export type { TypedIr } from "../contracts/ir/schema.ts";
export type { KernelPlan } from "../contracts/plan/schema.ts";
export { printIr } from "../compiler/print/ir.ts";
export { printPlan } from "../compiler/print/plan.ts";
