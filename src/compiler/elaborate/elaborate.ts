import type * as A from "../../../grammar/ast.ts";
import { DiagnosticBag } from "../../contracts/diagnostics/diagnostic.ts";
import {
  dimAdd,
  dimConst,
  dimDivExact,
  dimMul,
  dimStatic,
  dimSub,
  dimSym,
  dimToJson,
  formatDim,
} from "../../contracts/dims.ts";
import type { Dtype, LayerIr, LayerNode } from "../../contracts/ir/schema.ts";
import { findLayer, LAYERS } from "../layers/catalog.ts";
import type { LayerSignature, ParamSpec, Scalar } from "../layers/signature.ts";
import type { SourceSet, Span } from "../../contracts/source.ts";
import { closest, didYouMean } from "../../contracts/suggest.ts";
import { bindArguments, type BoundArg } from "./bind-args.ts";
import { Env, type Definition } from "./env.ts";
import type { LoadedSpec } from "./load.ts";
import { Scope } from "./naming.ts";
import type { SymbolRecorder } from "./symbols.ts";
import { describeValue, type Value } from "./values.ts";

/** Tokenizers a spec may name; src/runtime/tokenizers implements each. */
export const TOKENIZER_NAMES = ["gpt2", "bert-base-uncased", "char"];

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

/** One model elaborated: its Layer IR and the source facts the checker quotes. */
export interface ElaboratedModel {
  ir: LayerIr;
  origins: NodeOrigin[];
  /** Value ids of inputs, for carets on input declarations. */
  inputSpans: Map<number, Span>;
}

const MAX_EXPANDED_NODES = 200_000;

/**
 * Elaborates one model: resolves names, binds arguments, expands blocks and repeats and
 * evaluates dims, giving a flat list of layer nodes in execution order. A `recorder` is told
 * every name resolved, for editor queries.
 */
export function elaborateModel(
  model: A.ModelDecl,
  spec: LoadedSpec,
  diagnostics: DiagnosticBag,
  recorder?: SymbolRecorder,
): ElaboratedModel {
  return new ModelElaborator(model, spec, diagnostics, recorder).run();
}

class ModelElaborator {
  private readonly nodes: LayerNode[] = [];
  private readonly origins: NodeOrigin[] = [];
  private readonly sites = new Map<string, Definition>();
  private readonly labels = new Map<string, { name: string; span: Span }>();
  /** Labels of calls that failed to elaborate. */
  private readonly failedLabels = new Set<string>();
  private readonly blockStack: string[] = [];
  private readonly ir: LayerIr;
  private readonly inputSpans = new Map<number, Span>();
  private nextValue = 0;
  private tooLarge = false;
  private outputStatements = 0;
  /** Where each output name was first declared. */
  private readonly outputNames = new Map<string, Span>();
  private tokenizerSpan: Span | undefined;

  constructor(
    private readonly model: A.ModelDecl,
    private readonly spec: LoadedSpec,
    private readonly diagnostics: DiagnosticBag,
    private readonly recorder?: SymbolRecorder,
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

  private get sources(): SourceSet {
    return this.spec.sources;
  }

  run(): ElaboratedModel {
    const env = new Env(this.sites, this.recorder);
    const scope = new Scope("");
    for (const statement of this.model.body) this.modelStatement(statement, env, scope);
    if (this.outputStatements === 0) {
      // The last value computed is the likely output: suggest it, rather than "never used".
      const last = this.model.body[this.model.body.length - 1];
      const result = last?.kind === "assign" ? last.target.name : undefined;
      if (result !== undefined) env.use(result);
      this.diagnostics.report(
        "E0209",
        this.model.name.span,
        `model \`${this.model.name.name}\` has no output`,
        {
          label: "declares no `output`",
          hint:
            result === undefined
              ? "add a line such as `output logits = lm_head(x, vocab)`"
              : `declare the result as an output: \`output ${result} = …\` instead of \`${result} = …\``,
        },
      );
    }
    this.reportUnused();
    return { ir: this.ir, origins: this.origins, inputSpans: this.inputSpans };
  }

  // ── statements ──────────────────────────────────────────────────────────

  private modelStatement(statement: A.Statement, env: Env, scope: Scope): void {
    switch (statement.kind) {
      case "dims":
        for (const def of statement.dims) this.defineDim(def, env);
        return;
      case "input":
        this.defineInput(statement, env);
        return;
      case "tokenizer":
        this.defineTokenizer(statement);
        return;
      case "output":
        this.defineOutput(statement, env, scope);
        return;
      case "return":
        // Counts as the model's result, so E0209 does not repeat this mistake.
        this.outputStatements++;
        this.expression(statement.value, env, scope);
        this.misplaced(statement.span, "`return` belongs at the end of a block, not in a model", {
          hint: "declare the model's result with `output <name> = <value>`",
        });
        return;
      default:
        this.bodyStatement(statement, env, scope);
    }
  }

  /** Statements allowed in model, block and repeat bodies alike. */
  private bodyStatement(statement: A.Statement, env: Env, scope: Scope): void {
    if (statement.kind === "assign") {
      const value = this.expression(statement.value, env, scope);
      env.define(statement.target.name, "value", statement.target.span, value);
    } else if (statement.kind === "repeat") {
      this.repeat(statement, env, scope);
    } else if (statement.kind === "return") {
      this.misplaced(statement.span, "`return` must be the last statement of a block");
    } else {
      const word = statement.kind;
      this.misplaced(statement.span, `\`${word}\` is only allowed directly in a model body`);
    }
  }

  private misplaced(span: Span, message: string, extra: { hint?: string } = {}): void {
    this.diagnostics.report("E0213", span, message, { label: "not allowed here", ...extra });
  }

  private defineDim(def: A.DimDef, env: Env): void {
    const name = def.name.name;
    if (this.duplicate(name, def.name.span, env)) return;
    const value = this.expression(def.value, env, new Scope(""));
    const where = this.where(def.name.span);
    if (value.kind === "dim") {
      const n = dimStatic(value.dim);
      const shown = n === undefined ? formatDim(value.dim) : String(n);
      const notes = [`${name} = ${shown} (${where})`];
      env.define(name, "dim", def.name.span, { ...value, notes, span: def.value.span });
      if (n !== undefined) this.ir.dims.push({ name, value: n, source: this.ref(def.name.span) });
    } else if (value.kind === "number") {
      const notes = [`${name} = ${value.value} (${where})`];
      env.define(name, "dim", def.name.span, { ...value, notes, span: def.value.span });
      this.ir.dims.push({ name, value: value.value, source: this.ref(def.name.span) });
    } else if (value.kind !== "poison") {
      this.diagnostics.report(
        "E0210",
        def.value.span,
        `dim \`${name}\` must be a number, found ${describeValue(value)}`,
        {
          label: "not a number",
          hint: "dims hold sizes and constants; define tensors with `name = …` in the model body",
        },
      );
      env.define(name, "dim", def.name.span, { kind: "poison", span: def.value.span });
    } else {
      env.define(name, "dim", def.name.span, value);
    }
  }

  private duplicate(name: string, span: Span, env: Env): boolean {
    if (!env.has(name)) return false;
    const kind = env.kindOf(name);
    if (kind === "value") return false;
    const first = [...this.sites.values()].find((s) => s.name === name && s.kind === kind);
    this.diagnostics.report("E0206", span, `\`${name}\` is already defined`, {
      label: "defined again here",
      ...(first
        ? {
            related: [
              {
                span: first.span,
                label: `first defined here (as ${kind === "symbol" ? "a dynamic dim" : kind === "input" ? "an input" : `a ${kind}`})`,
              },
            ],
          }
        : {}),
      hint: "use a different name",
    });
    return true;
  }

  private defineTokenizer(decl: A.TokenizerDecl): void {
    const name = decl.name.value;
    if (this.tokenizerSpan) {
      this.diagnostics.report("E0206", decl.span, "the model names its tokenizer twice", {
        label: "second tokenizer",
        related: [{ span: this.tokenizerSpan, label: "first named here" }],
      });
      return;
    }
    this.tokenizerSpan = decl.span;
    if (!TOKENIZER_NAMES.includes(name)) {
      this.diagnostics.report("E0210", decl.name.span, `unknown tokenizer "${name}"`, {
        label: "not a known tokenizer",
        notes: [`tokenizers: ${TOKENIZER_NAMES.join(", ")}`],
        hint: didYouMean(name, TOKENIZER_NAMES, "tokenizers"),
      });
      return;
    }
    this.ir.tokenizer = name;
  }

  private defineInput(decl: A.InputDecl, env: Env): void {
    const name = decl.name.name;
    if (this.duplicate(name, decl.name.span, env)) return;
    const dtypeName = decl.dtype.name;
    const dtypes = ["int", "float", "bool"];
    let dtype: Dtype = "float";
    if (dtypes.includes(dtypeName)) dtype = dtypeName as Dtype;
    else {
      this.diagnostics.report("E0210", decl.dtype.span, `unknown element type \`${dtypeName}\``, {
        label: "not an element type",
        hint: closest(dtypeName, dtypes)
          ? didYouMean(dtypeName, dtypes, "element types")
          : "inputs are `int` (token ids), `float` (features, pixels) or `bool` (masks)",
      });
    }
    const shape = decl.shape.map((axis) => this.inputAxis(axis, env));
    const id = this.nextValue++;
    this.inputSpans.set(id, decl.span);
    this.ir.inputs.push({
      name,
      value: id,
      dtype,
      shape: shape.map((d) => (d === undefined ? 1 : dimToJson(d))),
      source: this.ref(decl.span),
    });
    env.define(name, "input", decl.name.span, { kind: "tensor", id, dtype, span: decl.name.span });
  }

  private inputAxis(axis: A.DimSpec, env: Env) {
    const expr = axis.value;
    if (expr.kind === "name" && !env.has(expr.name.name)) {
      const name = expr.name.name;
      const bound = axis.bound ? this.staticDim(axis.bound, env, "a sequence bound") : null;
      this.ir.symbols.push({ name, bound: bound ?? null, source: this.ref(expr.span) });
      const dim = dimSym(name);
      env.define(name, "symbol", expr.name.span, { kind: "dim", dim, notes: [], span: expr.span });
      return dim;
    }
    if (axis.bound) {
      this.diagnostics.report(
        "E0301",
        axis.bound.span,
        "a bound (`<=`) applies only to a new dynamic dim",
        {
          label: "bound on a dim that is already defined",
          hint: "write the bound where the dynamic dim first appears, e.g. `seq <= ctx`",
        },
      );
    }
    const value = this.expression(expr, env, new Scope(""));
    if (value.kind === "dim") {
      const n = dimStatic(value.dim);
      if (n === undefined || (n > 0 && Number.isSafeInteger(n))) return value.dim;
    }
    if (value.kind !== "poison") {
      const n = numericValue(value);
      const tooLarge = n !== undefined && Number.isInteger(n) && n > 0;
      this.diagnostics.report(
        "E0301",
        expr.span,
        tooLarge
          ? `input axis is too large: ${n}`
          : `input axis must be a positive size, found ${this.show(value)}`,
        {
          label: tooLarge
            ? "above 2^53 - 1, the largest size Loom computes exactly"
            : "not a positive size",
        },
      );
    }
    return undefined;
  }

  private defineOutput(decl: A.OutputDecl, env: Env, scope: Scope): void {
    this.outputStatements++;
    const name = decl.name.name;
    const earlier = this.outputNames.get(name);
    if (earlier) {
      this.diagnostics.report("E0206", decl.name.span, `output \`${name}\` is declared twice`, {
        label: "declared again here",
        related: [{ span: earlier, label: "first declared here" }],
        hint: "give each output its own name",
      });
      return;
    }
    this.outputNames.set(name, decl.name.span);
    const value = decl.value
      ? this.expression(decl.value, env, scope)
      : this.lookup({ kind: "name", name: decl.name, span: decl.name.span }, env);
    if (value.kind === "poison") return;
    if (value.kind !== "tensor") {
      this.diagnostics.report(
        "E0210",
        decl.value?.span ?? decl.name.span,
        `output \`${name}\` must be a tensor, found ${describeValue(value)}`,
        {
          label: "not a tensor",
        },
      );
      return;
    }
    this.ir.outputs.push({ name, value: value.id, source: this.ref(decl.span) });
  }

  private repeat(statement: A.Repeat, env: Env, scope: Scope): void {
    // An invalid count still elaborates the body once, for its own errors and uses.
    let count = this.staticDim(statement.count, env, "a repeat count") ?? 1;
    if (count > MAX_EXPANDED_NODES) {
      // Caught here, at the count, rather than after expanding MAX_EXPANDED_NODES layers.
      this.diagnostics.report(
        "E0301",
        statement.count.span,
        `a repeat count of ${count} would expand to more than ${MAX_EXPANDED_NODES} layers`,
        { label: "too many repeats", hint: "check the repeat count" },
      );
      count = 1;
    }
    let base = statement.scope ? scope.claim(statement.scope.name) : scope.fresh("blocks");
    if (base === undefined) {
      this.diagnostics.report(
        "E0206",
        statement.scope!.span,
        `scope name \`${statement.scope!.name}\` is already used here`,
        {
          label: "used twice",
          hint: "give each repeat its own `as` name",
        },
      );
      base = scope.fresh(statement.scope!.name);
    }
    for (let i = 0; i < count && !this.tooLarge; i++) {
      const inner = new Scope(`${base}.${i}`);
      for (const s of statement.body) this.bodyStatement(s, env, inner);
    }
  }

  // ── expressions ─────────────────────────────────────────────────────────

  private expression(expr: A.Expression, env: Env, scope: Scope): Value {
    switch (expr.kind) {
      case "number": {
        const integral = /^[\d_]+$/.test(expr.raw) && Number.isSafeInteger(expr.value);
        return integral
          ? { kind: "dim", dim: dimConst(expr.value), notes: [], span: expr.span }
          : { kind: "number", value: expr.value, notes: [], span: expr.span };
      }
      case "string":
        return { kind: "string", value: expr.value, span: expr.span };
      case "bool":
        return { kind: "bool", value: expr.value, span: expr.span };
      case "name":
        return this.lookup(expr, env);
      case "negate":
        return this.negate(expr, env, scope);
      case "binary":
        return this.binary(expr, env, scope);
      case "call": {
        const value = this.call(expr, env, scope);
        // Its error is reported; a later `tied_to` naming its label should not add another.
        if (value.kind === "poison" && expr.label) this.failedLabels.add(expr.label.name);
        return value;
      }
    }
  }

  private lookup(ref: A.NameRef, env: Env): Value {
    const value = env.use(ref.name.name, ref.name.span);
    if (value) return { ...value, span: ref.span } as Value;
    const flagLike = LAYERS.some((l) =>
      l.params.some((p) => p.kind === "flag" && p.name === ref.name.name),
    );
    this.diagnostics.report("E0205", ref.span, `\`${ref.name.name}\` is not defined`, {
      label: "undefined name",
      hint: flagLike
        ? `\`${ref.name.name}\` is a flag: pass it as an argument of the layer that takes it`
        : didYouMean(ref.name.name, env.names(), "names defined"),
    });
    return { kind: "poison", span: ref.span };
  }

  private negate(expr: A.Negate, env: Env, scope: Scope): Value {
    const value = this.expression(expr.operand, env, scope);
    if (value.kind === "dim")
      return { ...value, dim: dimSub(dimConst(0), value.dim), span: expr.span };
    if (value.kind === "number") return { ...value, value: -value.value, span: expr.span };
    if (value.kind === "tensor") return this.scaleNode(value, -1, expr, scope);
    if (value.kind !== "poison") this.wrongOperand(expr.operand, value, "negate");
    return { kind: "poison", span: expr.span };
  }

  private binary(expr: A.Binary, env: Env, scope: Scope): Value {
    const left = this.expression(expr.left, env, scope);
    const right = this.expression(expr.right, env, scope);
    if (left.kind === "poison" || right.kind === "poison")
      return { kind: "poison", span: expr.span };
    const span = expr.span;
    if (left.kind === "dim" && right.kind === "dim") return this.dimArithmetic(expr, left, right);
    if (isNumeric(left) && isNumeric(right)) {
      const a = numericValue(left)!;
      const b = numericValue(right)!;
      const value =
        expr.op === "+" ? a + b : expr.op === "-" ? a - b : expr.op === "*" ? a * b : a / b;
      return { kind: "number", value, notes: [...left.notes, ...right.notes], span };
    }
    if (left.kind === "tensor" && right.kind === "tensor") {
      if (expr.op === "/") {
        this.diagnostics.report("E0210", span, "dividing a tensor by a tensor is not supported", {
          label: "tensor / tensor",
          hint: "divide by a number, e.g. `x / 2`",
        });
        return { kind: "poison", span };
      }
      const op = expr.op === "+" ? "add" : expr.op === "-" ? "sub" : "mul";
      return this.emit(
        op,
        { a: left.id, b: right.id },
        {},
        scope.fresh(op),
        {
          span,
          callee: { file: span.file, start: expr.left.span.end, end: expr.right.span.start },
          args: { a: expr.left.span, b: expr.right.span },
          notes: {},
          labelSpans: {},
        },
        left.dtype,
      );
    }
    if (left.kind === "tensor" && isNumeric(right) && (expr.op === "*" || expr.op === "/")) {
      const factor = numericValue(right)!;
      return this.scaleNode(left, expr.op === "*" ? factor : 1 / factor, expr, scope);
    }
    if (right.kind === "tensor" && isNumeric(left) && expr.op === "*") {
      return this.scaleNode(right, numericValue(left)!, expr, scope);
    }
    const bad = left.kind === "tensor" ? right : left;
    const badExpr = left.kind === "tensor" ? expr.right : expr.left;
    this.wrongOperand(
      badExpr,
      bad,
      `use \`${expr.op}\` with`,
      left.kind === "tensor" || right.kind === "tensor",
    );
    return { kind: "poison", span };
  }

  private dimArithmetic(
    expr: A.Binary,
    left: Extract<Value, { kind: "dim" }>,
    right: Extract<Value, { kind: "dim" }>,
  ): Value {
    const notes = [...new Set([...left.notes, ...right.notes])];
    const span = expr.span;
    switch (expr.op) {
      case "+":
        return { kind: "dim", dim: dimAdd(left.dim, right.dim), notes, span };
      case "-":
        return { kind: "dim", dim: dimSub(left.dim, right.dim), notes, span };
      case "*":
        return { kind: "dim", dim: dimMul(left.dim, right.dim), notes, span };
      case "/": {
        const exact = dimDivExact(left.dim, right.dim);
        if (exact) return { kind: "dim", dim: exact, notes, span };
        const a = dimStatic(left.dim);
        const b = dimStatic(right.dim);
        if (a !== undefined && b !== undefined && b !== 0)
          return { kind: "number", value: a / b, notes, span };
        this.diagnostics.report(
          "E0301",
          span,
          `${formatDim(left.dim)} / ${formatDim(right.dim)} is not an exact division`,
          {
            label: b === 0 ? "division by zero" : "not exact",
            notes,
          },
        );
        return { kind: "poison", span };
      }
    }
  }

  private wrongOperand(expr: A.Expression, value: Value, verb: string, withTensor = false): void {
    this.diagnostics.report(
      "E0210",
      expr.span,
      `cannot ${verb} ${describeValue(value)}${withTensor ? " and a tensor" : ""}`,
      {
        label: describeValue(value),
        hint: withTensor
          ? "tensors combine with tensors (`x + y`) and scale by numbers (`x * 0.5`)"
          : "arithmetic works on dims, numbers and tensors",
      },
    );
  }

  private scaleNode(
    value: Extract<Value, { kind: "tensor" }>,
    factor: number,
    expr: A.Expression,
    scope: Scope,
  ): Value {
    return this.emit(
      "scale",
      { x: value.id },
      { factor },
      scope.fresh("scale"),
      {
        span: expr.span,
        callee: expr.span,
        args: {},
        notes: {},
        labelSpans: {},
      },
      value.dtype,
    );
  }

  // ── calls ───────────────────────────────────────────────────────────────

  private call(call: A.Call, env: Env, scope: Scope): Value {
    const name = call.callee.name;
    if (name === "rope" || name === "sqrt") return this.optionCall(call, env, scope);
    const layer = findLayer(name);
    if (layer) {
      this.recorder?.layer(name, call.callee.span);
      return this.layerCall(call, layer, env, scope);
    }
    const block = this.spec.blocks.get(name);
    if (block) {
      this.recorder?.reference(name, "block", call.callee.span, block.name.span);
      return this.blockCall(call, block, env, scope);
    }
    const known = [...LAYERS.map((l) => l.name), ...this.spec.blocks.keys()];
    this.diagnostics.report("E0203", call.callee.span, `unknown layer \`${name}\``, {
      label: "no layer or block has this name",
      hint: didYouMean(name, known, "layers and blocks"),
    });
    this.evaluateForErrors(call, env, scope);
    return { kind: "poison", span: call.span };
  }

  /** Evaluates a failed call's operands for their own errors; bare names may be flags or labels. */
  private evaluateForErrors(call: A.Call, env: Env, scope: Scope): void {
    for (const arg of call.args) {
      if (arg.value.kind === "name" && !env.has(arg.value.name.name)) continue;
      this.expression(arg.value, env, scope);
    }
  }

  private optionCall(call: A.Call, env: Env, scope: Scope): Value {
    const name = call.callee.name;
    if (call.label) this.noLabel(call);
    const params: ParamSpec[] =
      name === "rope"
        ? [
            {
              name: "theta",
              kind: "number",
              positional: true,
              default: 10000,
              doc: "rotation base",
            },
          ]
        : [{ name: "value", kind: "number", positional: true, required: true, doc: "the number" }];
    const bound = bindArguments(call, params, `\`${name}\``, this.diagnostics);
    if (!bound) return { kind: "poison", span: call.span };
    const arg = bound.get(params[0]!.name);
    const number = arg ? this.numberArg(arg, env, scope) : 10000;
    if (number === undefined) return { kind: "poison", span: call.span };
    if (name === "rope") {
      if (number <= 0) {
        this.diagnostics.report(
          "E0210",
          arg!.span,
          `rope theta must be positive, found ${number}`,
          { label: "not positive" },
        );
        return { kind: "poison", span: call.span };
      }
      return { kind: "rope", theta: number, span: call.span };
    }
    if (number < 0) {
      this.diagnostics.report("E0210", arg!.span, `sqrt of a negative number (${number})`, {
        label: "negative",
      });
      return { kind: "poison", span: call.span };
    }
    return { kind: "number", value: Math.sqrt(number), notes: [], span: call.span };
  }

  private noLabel(call: A.Call): void {
    this.diagnostics.report(
      "E0210",
      call.label!.span,
      `\`${call.callee.name}(…)\` is not a layer and cannot be labelled`,
      {
        label: "label not allowed here",
      },
    );
  }

  private layerCall(call: A.Call, layer: LayerSignature, env: Env, scope: Scope): Value {
    const what = `\`${layer.name}\``;
    const bound = bindArguments(call, layer.params, what, this.diagnostics);
    if (!bound) {
      this.evaluateForErrors(call, env, scope);
      return { kind: "poison", span: call.span };
    }
    const inputs: Record<string, number> = {};
    const attrs: Record<string, Scalar> = { ...layer.fixed };
    const origin: NodeOrigin = {
      span: call.span,
      callee: call.callee.span,
      args: {},
      notes: {},
      labelSpans: {},
    };
    let ok = true;
    let dtype: Dtype = "float";
    for (const param of layer.params) {
      const arg = bound.get(param.name);
      if (!arg) {
        if (param.kind === "tensor") continue;
        attrs[param.name] = param.default ?? null;
        continue;
      }
      origin.args[param.name] = arg.span;
      const result = this.argument(arg, env, scope, origin);
      if (result === undefined) {
        ok = false;
        continue;
      }
      if (typeof result === "object" && result !== null) {
        inputs[param.name] = result.id;
        if (param.name === "x") dtype = result.dtype;
      } else attrs[param.name] = result;
    }
    if (!ok) return { kind: "poison", span: call.span };
    if (layer.op === "relative_position_bias") {
      const value = this.emit(
        layer.op,
        inputs,
        attrs,
        this.layerName(call, layer.op, scope),
        origin,
        "float",
      );
      return value.kind === "tensor"
        ? { kind: "position_bias", id: value.id, span: call.span }
        : value;
    }
    return this.emit(layer.op, inputs, attrs, this.layerName(call, layer.op, scope), origin, dtype);
  }

  private layerName(call: A.Call, op: string, scope: Scope): string {
    if (!call.label) return scope.fresh(op);
    const name = scope.claim(call.label.name);
    if (name === undefined) {
      this.diagnostics.report(
        "E0206",
        call.label.span,
        `label \`${call.label.name}\` is already used in this scope`,
        {
          label: "used twice",
          hint: "labels name weights, so each must be unique within its block or repeat",
        },
      );
      return scope.fresh(call.label.name);
    }
    this.labels.set(call.label.name, { name, span: call.label.span });
    this.recorder?.reference(call.label.name, "label", call.label.span, call.label.span);
    return name;
  }

  /** Evaluates one argument for its parameter kind: a tensor operand or a scalar attribute. */
  private argument(
    arg: BoundArg,
    env: Env,
    scope: Scope,
    origin: NodeOrigin,
  ): { id: number; dtype: Dtype } | Scalar | undefined {
    const param = arg.param;
    if (arg.flag) return true;
    switch (param.kind) {
      case "tensor":
      case "position_bias": {
        const value = this.expression(arg.expr, env, scope);
        if (value.kind === "poison") return undefined;
        if (param.kind === "tensor" && value.kind === "tensor")
          return { id: value.id, dtype: value.dtype };
        if (param.kind === "position_bias" && value.kind === "position_bias")
          return { id: value.id, dtype: "float" };
        const wanted = param.kind === "tensor" ? "a tensor" : "a relative_position_bias(...) value";
        this.diagnostics.report(
          param.name === "memory" ? "E0306" : "E0210",
          arg.expr.span,
          `\`${param.name}\` must be ${wanted}, found ${describeValue(value)}`,
          {
            label: describeValue(value),
            notes: [`${param.name}: ${param.doc}`],
          },
        );
        return undefined;
      }
      case "dim": {
        const value = this.expression(arg.expr, env, scope);
        const n = this.positiveInteger(value, arg.expr.span, `\`${param.name}\``);
        if (n !== undefined && (value.kind === "dim" || value.kind === "number"))
          origin.notes[param.name] = value.notes;
        return n;
      }
      case "number":
        return this.numberArg(arg, env, scope, origin);
      case "bool":
      case "flag": {
        const value = this.expression(arg.expr, env, scope);
        if (value.kind === "bool") return value.value;
        if (value.kind !== "poison") {
          this.diagnostics.report(
            "E0210",
            arg.expr.span,
            `\`${param.name}\` must be true or false, found ${describeValue(value)}`,
            {
              label: "not a boolean",
            },
          );
        }
        return undefined;
      }
      case "enum":
        return this.enumArg(arg);
      case "label":
        return this.labelArg(arg, origin);
      case "rope": {
        const value = this.expression(arg.expr, env, scope);
        if (value.kind === "rope") return value.theta;
        if (value.kind === "bool") return value.value ? 10000 : null;
        if (value.kind !== "poison") {
          this.diagnostics.report(
            "E0210",
            arg.expr.span,
            `\`rope\` must be rope(theta = …), found ${describeValue(value)}`,
            {
              label: "not a rope(...) option",
              hint: "write `rope(theta = 10000)`",
            },
          );
        }
        return undefined;
      }
    }
  }

  private numberArg(
    arg: BoundArg,
    env: Env,
    scope: Scope,
    origin?: NodeOrigin,
  ): number | undefined {
    const value = this.expression(arg.expr, env, scope);
    const n = numericValue(value);
    if (n !== undefined) {
      if (origin && (value.kind === "dim" || value.kind === "number"))
        origin.notes[arg.param.name] = value.notes;
      return n;
    }
    if (value.kind !== "poison") {
      this.diagnostics.report(
        "E0210",
        arg.expr.span,
        `\`${arg.param.name}\` must be a number, found ${this.show(value)}`,
        {
          label: "not a number",
        },
      );
    }
    return undefined;
  }

  private enumArg(arg: BoundArg): string | undefined {
    const values = arg.param.values ?? [];
    const expr = arg.expr;
    if (expr.kind === "name" && values.includes(expr.name.name)) return expr.name.name;
    const written = expr.kind === "name" ? expr.name.name : undefined;
    this.diagnostics.report(
      "E0210",
      expr.span,
      written
        ? `unknown ${arg.param.name} \`${written}\``
        : `\`${arg.param.name}\` must be one of its names`,
      {
        label: `not a known ${arg.param.name}`,
        hint: written
          ? `${didYouMean(written, values, `${arg.param.name} values`)}`
          : `one of ${values.join(", ")}`,
        notes: [`${arg.param.name} is one of: ${values.join(", ")}`],
      },
    );
    return undefined;
  }

  private labelArg(arg: BoundArg, origin: NodeOrigin): string | undefined {
    const expr = arg.expr;
    if (expr.kind !== "name") {
      this.diagnostics.report(
        "E0210",
        expr.span,
        `\`${arg.param.name}\` must name a labelled layer`,
        {
          label: "not a label",
          hint: "label the layer with `as`, e.g. `embed(tokens, vocab, d) as wte`, then write `tied_to = wte`",
        },
      );
      return undefined;
    }
    const found = this.labels.get(expr.name.name);
    if (!found && this.failedLabels.has(expr.name.name)) return undefined;
    if (!found) {
      this.diagnostics.report("E0205", expr.span, `no layer is labelled \`${expr.name.name}\``, {
        label: "unknown label",
        hint: this.labels.size
          ? didYouMean(expr.name.name, [...this.labels.keys()], "labels")
          : "label the layer with `as`, e.g. `embed(tokens, vocab, d) as wte`",
      });
      return undefined;
    }
    origin.labelSpans[arg.param.name] = found.span;
    this.recorder?.reference(expr.name.name, "label", expr.name.span, found.span);
    return found.name;
  }

  private staticDim(expr: A.Expression, env: Env, what: string): number | undefined {
    return this.positiveInteger(this.expression(expr, env, new Scope("")), expr.span, what);
  }

  private positiveInteger(value: Value, span: Span, what: string): number | undefined {
    if (value.kind === "poison") return undefined;
    const n = numericValue(value);
    if (n !== undefined && Number.isSafeInteger(n) && n > 0) return n;
    const notes = value.kind === "dim" || value.kind === "number" ? value.notes : [];
    if (n !== undefined && Number.isInteger(n) && n > 0) {
      this.diagnostics.report("E0301", span, `${what} is too large: ${n}`, {
        label: "above 2^53 - 1, the largest size Loom computes exactly",
        notes,
      });
      return undefined;
    }
    const symbolic = value.kind === "dim" && dimStatic(value.dim) === undefined;
    this.diagnostics.report(
      symbolic ? "E0301" : n === undefined ? "E0210" : "E0301",
      span,
      `${what} must be a positive integer, found ${this.show(value)}`,
      {
        label: symbolic ? "a dynamic dim is not a static size" : "not a positive integer",
        notes,
      },
    );
    return undefined;
  }

  private show(value: Value): string {
    if (value.kind === "dim") return formatDim(value.dim);
    if (value.kind === "number") return String(value.value);
    return describeValue(value);
  }

  // ── blocks ──────────────────────────────────────────────────────────────

  private blockCall(call: A.Call, block: A.BlockDecl, env: Env, scope: Scope): Value {
    const name = block.name.name;
    if (this.blockStack.includes(name)) {
      this.diagnostics.report("E0211", call.callee.span, `block \`${name}\` calls itself`, {
        label: "recursive call",
        notes: [`call chain: ${[...this.blockStack, name].join(" → ")}`],
        hint: "blocks are expanded inline; use `repeat` to stack layers",
      });
      this.evaluateForErrors(call, env, scope);
      return { kind: "poison", span: call.span };
    }
    const params: ParamSpec[] = block.params.map((p) => ({
      name: p.name.name,
      kind: "tensor",
      positional: true,
      required: p.default === undefined,
      doc: `parameter of block \`${name}\``,
    }));
    const seen = new Map<string, Span>();
    for (const p of block.params) {
      const first = seen.get(p.name.name);
      if (first) {
        this.diagnostics.report(
          "E0206",
          p.name.span,
          `block \`${name}\` has two parameters named \`${p.name.name}\``,
          {
            label: "duplicate parameter",
            related: [{ span: first, label: "first declared here" }],
            hint: "rename one of them",
          },
        );
        this.evaluateForErrors(call, env, scope);
        return { kind: "poison", span: call.span };
      }
      seen.set(p.name.name, p.name.span);
    }
    const bound = bindArguments(call, params, `block \`${name}\``, this.diagnostics);
    if (!bound) {
      this.evaluateForErrors(call, env, scope);
      return { kind: "poison", span: call.span };
    }

    const inner = new Env(this.sites, this.recorder);
    const args = new Map<string, Value>();
    for (const p of block.params) {
      const arg = bound.get(p.name.name);
      if (arg) args.set(p.name.name, this.expression(arg.expr, env, scope));
    }
    const base = call.label ? this.layerName(call, name, scope) : scope.fresh(name);
    const blockScope = new Scope(base);
    this.blockStack.push(name);
    for (const p of block.params) {
      const value = args.get(p.name.name) ?? this.expression(p.default!, inner, blockScope);
      const notes =
        value.kind === "dim" || value.kind === "number"
          ? [
              ...value.notes,
              `${p.name.name} = ${this.show(value)} (argument of \`${name}\`, ${this.where(call.span)})`,
            ]
          : [];
      inner.define(
        p.name.name,
        "param",
        p.name.span,
        value.kind === "dim" || value.kind === "number" ? { ...value, notes } : value,
      );
    }
    const result = this.blockBody(block, inner, blockScope);
    this.blockStack.pop();
    return result ?? { kind: "poison", span: call.span };
  }

  private blockBody(block: A.BlockDecl, env: Env, scope: Scope): Value | undefined {
    const body = block.body;
    const last = body[body.length - 1];
    const early = body.findIndex((s) => s.kind === "return");
    for (const statement of body) {
      if (statement === last && statement.kind === "return")
        return this.expression(statement.value, env, scope);
      if (statement.kind === "return") this.expression(statement.value, env, scope);
      this.bodyStatement(statement, env, scope);
    }
    if (early >= 0) {
      // E0213 on the early `return` says it all; what follows it is not also "never used".
      for (const s of body.slice(early)) if (s.kind === "assign") env.use(s.target.name);
      return undefined;
    }
    // The last value computed is the likely result: suggest returning it, not "never used".
    const result = last?.kind === "assign" ? last.target.name : undefined;
    if (result !== undefined) env.use(result);
    this.diagnostics.report(
      "E0212",
      block.name.span,
      `block \`${block.name.name}\` does not end with \`return\``,
      {
        label: "no return",
        hint:
          result === undefined
            ? "end the block with `return <value>`"
            : `end the block with \`return ${result}\``,
      },
    );
    return undefined;
  }

  // ── output ──────────────────────────────────────────────────────────────

  private emit(
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

  private reportUnused(): void {
    for (const site of this.sites.values()) {
      if (site.used || site.name.startsWith("_")) continue;
      if (site.kind === "value") {
        this.diagnostics.report("W0401", site.span, `\`${site.name}\` is computed but never used`, {
          label: "never used",
          hint: `use it, remove it, or name it \`_${site.name}\` to silence this warning`,
        });
      } else if (site.kind === "dim") {
        this.diagnostics.report("W0402", site.span, `dim \`${site.name}\` is never used`, {
          label: "never used",
          hint: "remove it, or name it with a leading `_`",
        });
      } else if (site.kind === "input") {
        this.diagnostics.report("W0403", site.span, `input \`${site.name}\` is never read`, {
          label: "never read",
          hint: "remove it, or pass it to the layer that needs it",
        });
      }
    }
  }

  private ref(span: Span) {
    const { line, column } = this.sources.position(span);
    return { file: span.file, line, column, start: span.start, end: span.end };
  }

  private where(span: Span): string {
    const { line, column } = this.sources.position(span);
    return `${span.file}:${line}:${column}`;
  }
}

function isNumeric(value: Value): value is Extract<Value, { kind: "dim" | "number" }> {
  return numericValue(value) !== undefined;
}

function numericValue(value: Value): number | undefined {
  if (value.kind === "number") return value.value;
  if (value.kind === "dim") return dimStatic(value.dim);
  return undefined;
}
