import type { BlockDecl, ModelDecl, SpecFile } from "../../../grammar/ast.ts";
import { parseSpec } from "../../../grammar/index.ts";
import type { Diagnostic } from "../../contracts/diagnostics/diagnostic.ts";
import { findLayer } from "../layers/catalog.ts";
import { SourceFile, SourceSet, type Span } from "../../contracts/source.ts";

/** Reads a file's text; throws (any error) when it cannot. Injected so the browser can supply files. */
export type ReadFile = (path: string) => string;

/** A spec file with its includes parsed: the blocks it can call and the models it defines. */
export interface LoadedSpec {
  sources: SourceSet;
  /** Absent when the entry file could not be read or did not parse. */
  entry?: SpecFile;
  blocks: Map<string, BlockDecl>;
  models: ModelDecl[];
  /** Every `include` read, with the span of its path string and the file it names. */
  includes: { span: Span; file: string }[];
  diagnostics: Diagnostic[];
}

/** Joins an include path to the directory of the including file (POSIX separators). */
export function resolveInclude(fromFile: string, target: string): string {
  if (target.startsWith("/")) return normalise(target);
  const slash = fromFile.lastIndexOf("/");
  const dir = slash >= 0 ? fromFile.slice(0, slash + 1) : "";
  return normalise(dir + target);
}

function normalise(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(part);
  }
  return (absolute ? "/" : "") + parts.join("/");
}

/** Parses `path` and, transitively, the files it includes; collects blocks and the entry's models. */
export function loadSpec(path: string, read: ReadFile, sources = new SourceSet()): LoadedSpec {
  const result: LoadedSpec = {
    sources,
    blocks: new Map(),
    models: [],
    includes: [],
    diagnostics: [],
  };
  const done = new Set<string>();

  const visit = (file: string, stack: string[], via?: Span): void => {
    if (stack.includes(file)) {
      result.diagnostics.push({
        code: "E0202",
        severity: "error",
        message: `include cycle: ${[...stack.slice(stack.indexOf(file)), file].join(" → ")}`,
        span: via!,
        label: "this include closes the cycle",
        notes: [],
        hint: "move the blocks both files need into a third file that both include",
      });
      return;
    }
    if (done.has(file)) return;
    done.add(file);

    let text: string;
    try {
      text = read(file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result.diagnostics.push(
        via
          ? {
              code: "E0201",
              severity: "error",
              message: `cannot include "${file}": file not found or unreadable`,
              span: via,
              label: "included here",
              notes: [reason],
              hint: "include paths are relative to the file that includes them",
            }
          : {
              code: "E0103",
              severity: "error",
              message: `cannot read "${file}"`,
              span: { file, start: 0, end: 0 },
              notes: [reason],
            },
      );
      return;
    }

    sources.add(new SourceFile(file, text));
    const parsed = parseSpec(text, file);
    result.diagnostics.push(...parsed.diagnostics);
    if (!parsed.ast) return;
    if (stack.length === 0) result.entry = parsed.ast;

    for (const item of parsed.ast.items) {
      if (item.kind === "include") {
        const target = resolveInclude(file, item.path.value);
        result.includes.push({ span: item.path.span, file: target });
        visit(target, [...stack, file], item.path.span);
      } else if (item.kind === "block") {
        addBlock(item);
      } else if (stack.length === 0) {
        result.models.push(item);
      }
    }
  };

  const addBlock = (block: BlockDecl): void => {
    const name = block.name.name;
    const earlier = result.blocks.get(name);
    if (earlier || findLayer(name)) {
      result.diagnostics.push({
        code: "E0206",
        severity: "error",
        message: earlier
          ? `block \`${name}\` is defined twice`
          : `block \`${name}\` has the name of a built-in layer`,
        span: block.name.span,
        label: earlier ? "second definition" : "shadows the built-in layer",
        notes: [],
        hint: earlier ? "rename one of them" : `rename the block; \`${name}\` is a built-in layer`,
        ...(earlier ? { related: [{ span: earlier.name.span, label: "first defined here" }] } : {}),
      });
      return;
    }
    result.blocks.set(name, block);
  };

  visit(normalise(path), []);
  const seen = new Map<string, ModelDecl>();
  for (const model of result.models) {
    const earlier = seen.get(model.name.name);
    if (earlier) {
      result.diagnostics.push({
        code: "E0206",
        severity: "error",
        message: `model \`${model.name.name}\` is defined twice`,
        span: model.name.span,
        label: "second definition",
        notes: [],
        hint: "give each model in a file its own name",
        related: [{ span: earlier.name.span, label: "first defined here" }],
      });
    }
    seen.set(model.name.name, model);
  }
  return result;
}
