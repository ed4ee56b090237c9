import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { LoomError } from "../api/errors.ts";
import { importHuggingFaceConfig } from "../api/import.ts";
import { readTokenizerFile } from "../api/tokenizer-file.ts";
import { EXIT, type Io } from "./io.ts";

export interface ImportCommandOptions {
  /** Write the spec here instead of stdout. */
  out?: string;
  /** Replace an existing `out`. */
  force: boolean;
  /** The model's name in the spec. */
  name?: string;
  /** The longest sequence the spec accepts. */
  context?: number;
}

/**
 * `loom import CONFIG.json [-o SPEC.loom]`: a Hugging Face config.json (or a checkpoint folder
 * holding one) to a checked, formatted spec, on stdout or in a new file (never over an existing one without --force). Exit 0 when
 * written, 1 when the config cannot be imported (coded diagnostics on stderr), 2 for a file that
 * cannot be read or written. The LoomError of a failed import reaches main(), which reports it.
 */
export async function runImport(
  config: string,
  opts: ImportCommandOptions,
  io: Io,
): Promise<number> {
  let text: string;
  if (isDirectory(config)) config = join(config, "config.json");
  try {
    text = readFileSync(config, "utf8");
  } catch (error) {
    io.stderr(
      `error: cannot read "${config}": ${(error as NodeJS.ErrnoException).code ?? error}\n`,
    );
    return EXIT.usage;
  }
  if (opts.out !== undefined && !opts.force && exists(opts.out)) {
    io.stderr(`error[E0908]: \`${opts.out}\` already exists; pass --force to overwrite it\n`);
    return EXIT.usage;
  }
  const tokenizer = checkpointTokenizer(config, opts.out, io);
  const imported = await importHuggingFaceConfig(text, config, {
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.out !== undefined ? { specPath: opts.out } : {}),
  });
  const weights = `${
    imported.layout
      ? `Hugging Face checkpoints of it load with --layout ${imported.layout}`
      : "Loom has no weight layout for this family's checkpoints yet"
  }${tokenizer !== undefined ? `; it reads text with tokenizer "${tokenizer}"` : ""}`;
  if (opts.out === undefined) {
    io.stdout(imported.spec);
    io.stderr(`imported ${imported.modelType} from ${config}; ${weights}\n`);
    return EXIT.ok;
  }
  try {
    writeAtomically(opts.out, imported.spec, opts.force);
  } catch (error) {
    io.stderr(
      `error[E0908]: cannot write "${opts.out}": ${(error as NodeJS.ErrnoException).code ?? error}\n`,
    );
    return EXIT.usage;
  }
  io.stderr(`wrote ${opts.out} (${imported.modelType} from ${config}); ${weights}\n`);
  return EXIT.ok;
}

/**
 * The checkpoint's tokenizer.json beside its config, as the spec names it (`file:` and its path
 * relative to where the spec is written, or to the working directory for stdout); undefined when
 * there is none, or, with a note saying why, when Loom cannot read it exactly.
 */
function checkpointTokenizer(config: string, out: string | undefined, io: Io): string | undefined {
  const path = join(dirname(config), "tokenizer.json");
  if (!exists(path)) return undefined;
  try {
    readTokenizerFile(path);
  } catch (error) {
    if (!(error instanceof LoomError)) throw error;
    io.stderr(
      `note: the spec names no tokenizer: ${error.code ? `${error.code} ` : ""}${error.message}\n`,
    );
    return undefined;
  }
  const named = relative(out === undefined ? "." : dirname(out), path)
    .split(sep)
    .join("/");
  return /["\\\r\n]/.test(named) ? undefined : `file:${named}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a temporary file beside `path`, then renames it into place (or links it, without force). */
function writeAtomically(path: string, text: string, force: boolean): void {
  if (!force) {
    writeFileSync(path, text, { flag: "wx" });
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, text, { flag: "wx" });
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}
