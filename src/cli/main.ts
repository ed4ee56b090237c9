import { Command, CommanderError, Option } from "commander";
import { runCheck, type DiagnosticFormat } from "./check.ts";
import { runFmt } from "./fmt.ts";
import { runSummary } from "./summary.ts";
import { EXIT, processIo, type Io } from "./io.ts";

const VERSION = "0.1.0";

/** Builds the `loom` command tree; each action stores its exit status in `status`. */
function program(io: Io, status: { code: number }): Command {
  const loom = new Command("loom")
    .description("Loom: transformer model specs, checked and compiled for WebGPU")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run `loom help` for usage)");

  loom
    .command("check")
    .description(
      "parse, elaborate and shape-check spec files (directories are searched for .loom files)",
    )
    .argument("<files...>", "spec files or directories")
    .addOption(
      new Option("--format <format>", "diagnostic format")
        .choices(["pretty", "json", "github"])
        .default("pretty"),
    )
    .addOption(new Option("--emit <what>", "print an intermediate form as JSON").choices(["ir"]))
    .option("--deny-warnings", "exit 1 when there are warnings")
    .option("--no-color", "never colour the output")
    .action(
      (
        files: string[],
        opts: { format: DiagnosticFormat; emit?: "ir"; denyWarnings?: boolean; color: boolean },
      ) => {
        status.code = runCheck(
          files,
          { ...opts, color: opts.color && io.isTty && !process.env["NO_COLOR"] },
          io,
        );
      },
    );

  loom
    .command("summary")
    .description(
      "parameters, FLOPs per token, weight, KV-cache and activation memory of each model",
    )
    .argument("<files...>", "spec files or directories")
    .option("--json", "print JSON instead of a table")
    .option("--batch <n>", "sequences per batch for the memory figures", "1")
    .option("--seq <n>", "positions per sequence (default: the sequence bound, at most 2048)")
    .action((files: string[], opts: { json?: boolean; batch: string; seq?: string }) => {
      const batch = positiveInteger(opts.batch);
      const seq = opts.seq === undefined ? undefined : positiveInteger(opts.seq);
      if (batch === undefined || (opts.seq !== undefined && seq === undefined)) {
        io.stderr("error: --batch and --seq take positive integers\n");
        status.code = EXIT.usage;
        return;
      }
      status.code = runSummary(
        files,
        { json: Boolean(opts.json), batch, ...(seq ? { seq } : {}) },
        io,
      );
    });

  loom
    .command("fmt")
    .description(
      "format spec files in the canonical style (prints the result unless --check or --write)",
    )
    .argument("<files...>", "spec files or directories")
    .option("--check", "list files that are not formatted; exit 1 if any")
    .option("--write", "rewrite files that are not formatted")
    .action(async (files: string[], opts: { check?: boolean; write?: boolean }) => {
      if (opts.check && opts.write) {
        io.stderr("error: --check and --write cannot be used together\n");
        status.code = EXIT.usage;
        return;
      }
      status.code = await runFmt(
        files,
        { check: Boolean(opts.check), write: Boolean(opts.write) },
        io,
      );
    });

  return loom;
}

/** A positive integer from an option's text, or undefined if it is not one. */
function positiveInteger(text: string): number | undefined {
  return /^[1-9]\d*$/.test(text) ? Number(text) : undefined;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status, never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const status = { code: EXIT.ok as number };
  try {
    await program(io, status).parseAsync(argv, { from: "user" });
    return status.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(
      `internal error: this is a bug in Loom, please report it with the input that caused it\n${message}\n`,
    );
    return 3;
  }
}
