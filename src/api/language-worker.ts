/**
 * The Loom language server inside a Web Worker: the page's editor speaks the protocol to it
 * with `postMessage` (a JSON-RPC message object each way), and `host` gives the files the
 * editor has not opened. No Node built-ins are reached from here.
 */
import {
  BrowserMessageReader,
  BrowserMessageWriter,
  createConnection,
} from "vscode-languageserver/browser";
import { serveLanguage, type LanguageHost } from "./language-server.ts";

export type { LanguageHost } from "./language-server.ts";

/** The worker's global scope, where the page's messages arrive and replies are posted. */
declare const self: ConstructorParameters<typeof BrowserMessageReader>[0];

/** Serves the language on the worker's own messages; call it once, in the worker's module. */
export function serveInWorker(host: LanguageHost): void {
  const connection = createConnection(
    new BrowserMessageReader(self),
    new BrowserMessageWriter(self),
  );
  serveLanguage(connection, host);
}
