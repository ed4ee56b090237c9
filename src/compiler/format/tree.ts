import type {
  BlockDecl,
  Comment,
  ModelDecl,
  Node,
  Repeat,
  SpecFile,
} from "../../../grammar/ast.ts";

/**
 * How the formatter walks the Loom AST: which properties hold child nodes, each node's parent,
 * and which nodes always begin a line of output.
 */

/** A comment after Prettier has attached it to a node (Prettier adds these fields). */
export interface AttachedComment extends Comment {
  /** Same as `text`; Prettier names a comment by its `value` in its own error messages. */
  value?: string;
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  /** "brace" for a dangling comment printed on the line of a body's `{`. */
  marker?: string;
  placement?: "ownLine" | "endOfLine" | "remaining";
  enclosingNode?: Node;
  precedingNode?: Node;
  followingNode?: Node;
}

/** The comments Prettier attached to a node (leading, trailing and dangling together). */
export function attachedComments(node: Node): AttachedComment[] {
  return ((node as { comments?: AttachedComment[] }).comments ?? []) as AttachedComment[];
}

/** The comments attached to a node that are neither leading nor trailing. */
export function danglingComments(node: Node): AttachedComment[] {
  return attachedComments(node).filter((c) => !c.leading && !c.trailing);
}

const CHILD_KEYS: Record<Node["kind"], readonly string[]> = {
  file: ["items"],
  include: ["path"],
  block: ["name", "params", "body"],
  model: ["name", "body"],
  param: ["name", "default"],
  dims: ["dims"],
  tokenizer: ["name"],
  dim_def: ["name", "value"],
  input: ["name", "dtype", "shape"],
  dim_spec: ["value", "bound"],
  output: ["name", "value"],
  assign: ["target", "value"],
  repeat: ["count", "scope", "body"],
  return: ["value"],
  argument: ["name", "value"],
  call: ["callee", "args", "label"],
  binary: ["left", "right"],
  negate: ["operand"],
  name: ["name"],
  identifier: [],
  number: [],
  string: [],
  bool: [],
  comment: [],
};

/** The properties of a node that hold its child nodes, in source order. */
export function childKeys(node: Node): readonly string[] {
  return CHILD_KEYS[node.kind] ?? [];
}

/** The child nodes of a node, in source order. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of childKeys(node)) {
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) out.push(...(value as Node[]));
    else if (value && typeof value === "object") out.push(value as Node);
  }
  return out;
}

const parentMaps = new WeakMap<SpecFile, WeakMap<Node, Node>>();

/** The parent of a node within a file's AST (undefined for the file itself). */
function parentOf(ast: SpecFile, node: Node): Node | undefined {
  let parents = parentMaps.get(ast);
  if (!parents) {
    parents = new WeakMap();
    const stack: Node[] = [ast];
    while (stack.length > 0) {
      const parent = stack.pop()!;
      for (const child of children(parent)) {
        parents.set(child, parent);
        stack.push(child);
      }
    }
    parentMaps.set(ast, parents);
  }
  return parents.get(node);
}

/**
 * Nodes that always begin a line of output: top-level items, statements, and the elements of
 * lists (arguments, parameters, dims, input axes), whose list breaks one per line when an
 * element needs a line of its own. Only these may carry `//` comments.
 */
const LINE_START_KINDS = new Set<Node["kind"]>([
  "include",
  "block",
  "model",
  "dims",
  "tokenizer",
  "input",
  "output",
  "assign",
  "repeat",
  "return",
  "dim_def",
  "param",
  "argument",
  "dim_spec",
]);

/** Whether a node begins a line of output (see LINE_START_KINDS). */
export function startsOutputLine(node: Node): boolean {
  return LINE_START_KINDS.has(node.kind);
}

/** Whether blank lines around a node are kept: statements and top-level items, not list elements. */
export function keepsBlankLines(node: Node): boolean {
  return startsOutputLine(node) && !LIST_ELEMENT_KINDS.has(node.kind);
}

const LIST_ELEMENT_KINDS = new Set<Node["kind"]>(["dim_def", "param", "argument", "dim_spec"]);

/** The nearest node, from `node` up through its ancestors, that begins a line of output. */
export function nearestLineStart(ast: SpecFile, node: Node): Node | undefined {
  let at: Node | undefined = node;
  while (at && !startsOutputLine(at)) at = parentOf(ast, at);
  return at;
}

export type BodyContainer = ModelDecl | BlockDecl | Repeat;

/** Whether a node has a `{ statements }` body. */
export function isBodyContainer(node: Node | undefined): node is BodyContainer {
  return node?.kind === "model" || node?.kind === "block" || node?.kind === "repeat";
}

/** The offset where a node's header ends: after the name, the last parameter, the count or scope. */
export function headerEnd(node: BodyContainer): number {
  switch (node.kind) {
    case "model":
      return node.name.span.end;
    case "block":
      return (node.params[node.params.length - 1] ?? node.name).span.end;
    case "repeat":
      return (node.scope ?? node.count).span.end;
  }
}
