import { expect } from "vitest";
import { main } from "../../src/cli/main.ts";

/** Runs `loom ARGV…` in this process; what it printed, and its exit status. Never a stack trace. */
export async function runLoom(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    isTty: false,
  });
  expect(stderr + stdout).not.toMatch(/\n\s+at /);
  return { code, stdout, stderr };
}
