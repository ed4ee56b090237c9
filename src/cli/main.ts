import { Command, CommanderError, Option } from "commander";
import { runCheck, type DiagnosticFormat } from "./check.ts";
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
    .description("parse, elaborate and shape-check spec files (directories are searched for .loom files)")
    .argument("<files...>", "spec files or directories")
    .addOption(new Option("--format <format>", "diagnostic format").choices(["pretty", "json", "github"]).default("pretty"))
    .addOption(new Option("--emit <what>", "print an intermediate form as JSON").choices(["ir"]))
    .option("--deny-warnings", "exit 1 when there are warnings")
    .option("--no-color", "never colour the output")
    .action((files: string[], opts: { format: DiagnosticFormat; emit?: "ir"; denyWarnings?: boolean; color: boolean }) => {
      status.code = runCheck(files, { ...opts, color: opts.color && io.isTty && !process.env["NO_COLOR"] }, io);
    });

  return loom;
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
    io.stderr(`internal error: this is a bug in Loom, please report it with the input that caused it\n${message}\n`);
    return 3;
  }
}
