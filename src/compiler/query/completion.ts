import type { BlockDecl } from "../../../grammar/ast.ts";
import { lexTokens, type LexedToken } from "../../../grammar/index.ts";
import { findLayer, LAYERS } from "../layers/catalog.ts";
import { defaultText, kindText, layerMarkdown } from "../layers/reference.ts";
import type { ParamSpec } from "../layers/signature.ts";
import { scopeNames, type ScopeName } from "./scope-names.ts";

/** One suggestion at the cursor, with Markdown documentation from the language reference. */
export interface CompletionEntry {
  label: string;
  kind: "layer" | "block" | "argument" | "option" | "value" | "dim";
  detail: string;
  documentation: string;
  insertText: string;
}

/** An open call at the cursor: its callee and the arguments already given. */
interface OpenCall {
  callee?: string;
  /** Arguments given by name. */
  named: Set<string>;
  /** Positional arguments given before the cursor's. */
  positional: number;
  /** Whether the argument being written is a named one. */
  inNamed: boolean;
}

/**
 * What can be written at `offset` of `text`: inside a call, the callee's arguments not given
 * yet (or an option's values after `name =`), then the values and dims in scope, then the
 * layers and blocks a call can name. Works on text that does not parse, as it is while being
 * typed.
 */
export function completeAt(
  text: string,
  offset: number,
  blocks: ReadonlyMap<string, BlockDecl>,
): CompletionEntry[] {
  const tokens = lexTokens(text.slice(0, offset));
  const typing = tokens[tokens.length - 1];
  if (typing?.type === "Identifier" && typing.start + typing.image.length === offset) tokens.pop();
  const calls = openCalls(tokens);
  const call = calls[calls.length - 1];
  const last = tokens[tokens.length - 1];
  const callables = [
    ...nameEntries(scopeNames(tokens)),
    ...layerEntries(),
    ...blockEntries(blocks),
  ];
  if (!call?.callee) return callables;
  const params = paramsOf(call.callee, blocks);
  if (last?.type === "Equals") {
    const param = params.find((p) => p.name === tokens[tokens.length - 2]?.image);
    return param ? [...optionEntries(param), ...callables] : callables;
  }
  if (last?.type === "LParen" || last?.type === "Comma") {
    const filled = new Set(params.filter((p) => p.positional).slice(0, call.positional));
    const open = params.filter((p) => !call.named.has(p.name) && !filled.has(p));
    return [...open.map((p) => argumentEntry(p, call.callee!)), ...callables];
  }
  return callables;
}

function openCalls(tokens: readonly LexedToken[]): OpenCall[] {
  const stack: OpenCall[] = [];
  tokens.forEach((token, i) => {
    const before = tokens[i - 1];
    const top = stack[stack.length - 1];
    if (token.type === "LParen") {
      const callee = before?.type === "Identifier" ? before.image : undefined;
      stack.push({
        ...(callee ? { callee } : {}),
        named: new Set(),
        positional: 0,
        inNamed: false,
      });
    } else if (token.type === "RParen") {
      stack.pop();
    } else if (token.type === "Comma" && top) {
      if (!top.inNamed) top.positional++;
      top.inNamed = false;
    } else if (token.type === "Equals" && before?.type === "Identifier" && top) {
      const opener = tokens[i - 2]?.type;
      if (opener === "LParen" || opener === "Comma") {
        top.named.add(before.image);
        top.inNamed = true;
      }
    }
  });
  return stack;
}

function paramsOf(callee: string, blocks: ReadonlyMap<string, BlockDecl>): readonly ParamSpec[] {
  const layer = findLayer(callee);
  if (layer) return layer.params;
  const block = blocks.get(callee);
  return (block?.params ?? []).map((p) => ({
    name: p.name.name,
    kind: "tensor",
    positional: true,
    ...(p.default ? {} : { required: true }),
    doc: `parameter of block \`${callee}\``,
  }));
}

/** How each kind of name in scope is listed: values before dims, each in the order defined. */
const NAME_KINDS: Record<ScopeName["kind"], { kind: "value" | "dim"; rank: number; doc: string }> =
  {
    value: { kind: "value", rank: 0, doc: "A value of this model or block, defined before here." },
    param: { kind: "value", rank: 0, doc: "A parameter of this block." },
    dim: { kind: "dim", rank: 1, doc: "A dim of this model or block." },
    symbol: { kind: "dim", rank: 2, doc: "A dynamic dim, sized at run time." },
  };

function nameEntries(names: readonly ScopeName[]): CompletionEntry[] {
  return [...names]
    .sort((a, b) => NAME_KINDS[a.kind].rank - NAME_KINDS[b.kind].rank)
    .map((n) => ({
      label: n.name,
      kind: NAME_KINDS[n.kind].kind,
      detail: n.source,
      documentation: NAME_KINDS[n.kind].doc,
      insertText: n.name,
    }));
}

function layerEntries(): CompletionEntry[] {
  return LAYERS.map((layer) => ({
    label: layer.name,
    kind: "layer",
    detail: `layer (${layer.op})`,
    documentation: layerMarkdown(layer),
    insertText: layer.name,
  }));
}

function blockEntries(blocks: ReadonlyMap<string, BlockDecl>): CompletionEntry[] {
  return [...blocks.values()].map((block) => {
    const params = block.params.map((p) => p.name.name).join(", ");
    return {
      label: block.name.name,
      kind: "block",
      detail: `block ${block.name.name}(${params})`,
      documentation: `A block of this spec, defined in \`${block.span.file}\`.`,
      insertText: block.name.name,
    };
  });
}

function argumentEntry(param: ParamSpec, callee: string): CompletionEntry {
  return {
    label: param.name,
    kind: "argument",
    detail: `${kindText(param)}, ${defaultText(param).replaceAll("`", "")}`,
    documentation: `Argument of \`${callee}\`: ${param.doc}.`,
    insertText: `${param.name} = `,
  };
}

function optionEntries(param: ParamSpec): CompletionEntry[] {
  const values =
    param.kind === "enum"
      ? [...(param.values ?? [])]
      : param.kind === "bool" || param.kind === "flag"
        ? ["true", "false"]
        : [];
  return values.map((value) => ({
    label: value,
    kind: "option",
    detail: `${param.name} = ${value}`,
    documentation: `A value of \`${param.name}\`: ${param.doc}.`,
    insertText: value,
  }));
}
