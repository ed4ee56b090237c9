/**
 * The editor's client of the language server running in a Web Worker (language-worker.ts):
 * hover (a value's shape with its dims, a dim's value or bound, a layer's reference entry) and
 * completion (layers and blocks, a call's arguments, an option's values, with their docs).
 * Diagnostics stay with the page's own checker (check.ts), which also draws the diagram.
 */
import { hoverTooltips, LSPClient, serverCompletion, type Transport } from "@codemirror/lsp-client";
import type { Extension } from "@codemirror/state";
import { specUri } from "./examples.ts";

/** How long a request may take before the client gives up: the first check warms the worker. */
const TIMEOUT_MS = 15_000;

/**
 * The page's end of the worker's messages as the client's transport: the client sends and
 * receives JSON text, the worker's reader and writer post message objects.
 */
function workerTransport(worker: Worker): Transport {
  const handlers = new Set<(message: string) => void>();
  worker.addEventListener("message", (event: MessageEvent) => {
    const message = JSON.stringify(event.data);
    for (const handler of handlers) handler(message);
  });
  worker.addEventListener("error", (event) => {
    console.error(`the language server's worker failed: ${event.message}`);
  });
  return {
    send: (message) => worker.postMessage(JSON.parse(message)),
    subscribe: (handler) => handlers.add(handler),
    unsubscribe: (handler) => handlers.delete(handler),
  };
}

/** Starts the language server's worker and connects a client to it. */
export function startLanguageServer(): LSPClient {
  const worker = new Worker(new URL("./language-worker.ts", import.meta.url), { type: "module" });
  return new LSPClient({
    timeout: TIMEOUT_MS,
    extensions: [hoverTooltips(), serverCompletion()],
  }).connect(workerTransport(worker));
}

/** The editor extension that opens spec `path` on the server (hover and completion there). */
export function languageServerFor(client: LSPClient, path: string): Extension {
  return client.plugin(specUri(path), "loom");
}
