import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createConnection } from "vscode-languageserver/node";
import { serveLanguage, type LanguageHost } from "../api/language-server.ts";

/**
 * The files of `loom lsp`: from disk, named by `file:` URIs. A document that is not a file
 * (`untitled:…`) keeps its URI as its path.
 */
const disk: LanguageHost = {
  read: (path) => readFileSync(path, "utf8"),
  uriToPath: (uri) => (uri.startsWith("file:") ? fileURLToPath(uri) : uri),
  pathToUri: (path) => (isAbsolute(path) ? pathToFileURL(path).href : path),
};

/**
 * `loom lsp`: the language server on standard input and output. It runs until the editor
 * sends `exit` or closes the stream; the protocol library then ends the process.
 */
export function serveStdio(): Promise<never> {
  serveLanguage(createConnection(process.stdin, process.stdout), disk);
  return new Promise<never>(() => {});
}
