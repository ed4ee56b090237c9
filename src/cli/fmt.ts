import { readFile } from "node:fs/promises";
import { type Diagnostic, SourceFile } from "../api/check.ts";
import { formatSpec } from "../api/format.ts";
import { replaceFileAtomically } from "../api/replace-file.ts";
import { expandSpecPaths } from "./io.ts";

export interface FmtOptions {
  /** List the files that are not formatted; exit 1 if there are any. Writes nothing. */
  check: boolean;
  /** Rewrite the files that are not formatted, and list them. */
  write: boolean;
}

export interface FmtOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/**
 * `loom fmt PATHS`: formats spec files (directories are searched for .loom files). By default
 * prints the formatted text; `--check` lists files that would change; `--write` rewrites them,
 * each atomically (a crash leaves the old text or the new, never a truncated file; mode kept).
 * Returns 0 when all is well, 1 when a file has syntax errors or (with `--check`) would change,
 * 2 when a path cannot be read or written. Never throws.
 */
export async function runFmt(paths: string[], opts: FmtOptions, out: FmtOutput): Promise<number> {
  try {
    return await fmt(paths, opts, out);
  } catch (error) {
    out.stderr(`error: loom fmt failed: ${describe(error)}\n`);
    return 2;
  }
}

async function fmt(paths: string[], opts: FmtOptions, out: FmtOutput): Promise<number> {
  const { files, missing } = expandSpecPaths(paths);
  let status = 0;
  for (const path of missing) {
    out.stderr(`error: cannot read "${path}": no such file or directory\n`);
    status = 2;
  }
  if (files.length === 0 && missing.length === 0) {
    out.stderr("error: no .loom files found in the given paths\n");
    return 2;
  }

  const unformatted: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      out.stderr(`error: cannot read "${file}": ${describe(error)}\n`);
      status = 2;
      continue;
    }
    let result: Awaited<ReturnType<typeof formatSpec>>;
    try {
      result = await formatSpec(text, file);
    } catch (error) {
      out.stderr(`error: internal error while formatting "${file}": ${describe(error)}\n`);
      status = 2;
      continue;
    }
    if (!result.ok) {
      out.stderr(renderMinimal(result.diagnostics, text));
      status = Math.max(status, 1);
      continue;
    }
    const changed = result.formatted !== text;
    if (!opts.check && !opts.write) {
      out.stdout(result.formatted);
      continue;
    }
    if (!changed) continue;
    if (opts.write) {
      try {
        replaceFileAtomically(file, new TextEncoder().encode(result.formatted));
      } catch (error) {
        out.stderr(`error: cannot write "${file}": ${describe(error)}\n`);
        status = 2;
        continue;
      }
    }
    unformatted.push(file);
    out.stdout(`${file}\n`);
  }

  if (opts.check) {
    const n = unformatted.length;
    if (n > 0) {
      const verb = opts.write
        ? `${n === 1 ? "was" : "were"} reformatted`
        : `${n === 1 ? "needs" : "need"} formatting (run \`loom fmt --write\`)`;
      out.stderr(`${n} of ${count(files.length)} ${verb}\n`);
      status = Math.max(status, 1);
    } else if (status === 0) {
      out.stdout(`all ${count(files.length)} are formatted\n`);
    }
  }
  return status;
}

function count(n: number): string {
  return `${n} spec file${n === 1 ? "" : "s"}`;
}

/** Diagnostics as `file:line:col: error[CODE]: message`, one per line. */
function renderMinimal(diagnostics: Diagnostic[], text: string): string {
  return diagnostics
    .map((d) => {
      const at = new SourceFile(d.span.file, text).position(d.span.start);
      return `${d.span.file}:${at.line}:${at.column}: ${d.severity}[${d.code}]: ${d.message}\n`;
    })
    .join("");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
