/**
 * The Loom language server, on any transport: `loom lsp` serves it on stdio (src/lsp), a page
 * in a Web Worker (language-worker.ts). The protocol over the editor queries of language.ts.
 */
export { serveLanguage } from "./language-server/server.ts";
export type { LanguageHost } from "./language-server/host.ts";
