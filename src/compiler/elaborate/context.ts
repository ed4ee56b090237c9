import type * as A from "../../../grammar/ast.ts";
import type { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import type { Dtype, LayerIr, LayerNode, SourceRef } from "../../contracts/ir/schema.ts";
import type { SourceSet, Span } from "../../contracts/source.ts";
import type { Scalar } from "../layers/signature.ts";
import type { Definition } from "./env.ts";
import type { LoadedSpec } from "./load.ts";
import type { SymbolRecorder } from "./symbols.ts";
import type { Value } from "./values.ts";

/** Source facts about a node that the IR does not carry: where each argument was written. */
export interface NodeOrigin {
  /** The whole call. */
  span: Span;
  /** The callee name. */
  callee: Span;
  /** Each given argument (`heads = 10`), by parameter name. */
  args: Record<string, Span>;
  /** Which definitions each numeric argument came from, e.g. "heads = 12 (gpt2.loom:3:44)". */
  notes: Record<string, string[]>;
  /** Labels of layers this one refers to (tied_to), with the label's span. */
  labelSpans: Record<string, Span>;
}

/**
 * The most layer nodes one model may expand to (through repeats and blocks). Real models expand
 * to a few thousand at most (GPT-3's 96 layers to about 1,000); the cap keeps checking fast.
 */
export const MAX_EXPANDED_NODES = 20_000;

/**
 * The state of elaborating one model, shared by the statement, expression, call and block
 * elaborators: the IR being built, the source facts the checker quotes, the names defined
 * and used, and the labels and blocks in scope.
 */
export class Elaboration {
  readonly nodes: LayerNode[] = [];
  readonly origins: NodeOrigin[] = [];
  readonly sites = new Map<string, Definition>();
  readonly labels = new Map<string, { name: string; span: Span }>();
  /** Labels of calls that failed to elaborate. */
  readonly failedLabels = new Set<string>();
  /** Names of the blocks being expanded, outermost first. */
  readonly blockStack: string[] = [];
  readonly ir: LayerIr;
  readonly inputSpans = new Map<number, Span>();
  nextValue = 0;
  tooLarge = false;
  outputStatements = 0;
  /** Where each output name was first declared. */
  readonly outputNames = new Map<string, Span>();
  tokenizerSpan: Span | undefined;

  constructor(
    readonly model: A.ModelDecl,
    readonly spec: LoadedSpec,
    readonly diagnostics: DiagnosticBag,
    /** Told every name resolved, for editor queries. */
    readonly recorder?: SymbolRecorder,
  ) {
    this.ir = {
      format: "loom.layer-ir",
      version: 1,
      model: model.name.name,
      tokenizer: null,
      dims: [],
      symbols: [],
      inputs: [],
      outputs: [],
      nodes: this.nodes,
    };
  }

  get sources(): SourceSet {
    return this.spec.sources;
  }

  /** Appends a layer node and returns its output value, or poison once the model is too large. */
  emit(
    op: string,
    inputs: Record<string, number>,
    attrs: Record<string, Scalar>,
    name: string,
    origin: NodeOrigin,
    dtype: Dtype,
  ): Value {
    if (this.nodes.length >= MAX_EXPANDED_NODES) {
      if (!this.tooLarge) {
        this.tooLarge = true;
        this.diagnostics.report(
          "E0301",
          origin.span,
          `the model expands to more than ${MAX_EXPANDED_NODES} layers`,
          {
            label: "expansion stopped here",
            hint: "check the repeat counts",
          },
        );
      }
      return { kind: "poison", span: origin.span };
    }
    const id = this.nextValue++;
    this.nodes.push({
      id: this.nodes.length,
      op,
      name,
      inputs,
      attrs,
      output: id,
      source: this.ref(origin.span),
    });
    this.origins.push(origin);
    return { kind: "tensor", id, dtype, span: origin.span };
  }

  /** The IR's record of where a span is. */
  ref(span: Span): SourceRef {
    const { line, column } = this.sources.position(span);
    return { file: span.file, line, column, start: span.start, end: span.end };
  }

  /** `file:line:column` of a span, for notes. */
  where(span: Span): string {
    const { line, column } = this.sources.position(span);
    return `${span.file}:${line}:${column}`;
  }
}
