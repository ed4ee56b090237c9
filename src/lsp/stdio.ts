import { createConnection } from "vscode-languageserver/node";
import { serveLanguage } from "./server.ts";

/**
 * `loom lsp`: the language server on standard input and output. It runs until the editor
 * sends `exit` or closes the stream; the protocol library then ends the process.
 */
export function serveStdio(): Promise<never> {
  serveLanguage(createConnection(process.stdin, process.stdout));
  return new Promise<never>(() => {});
}
