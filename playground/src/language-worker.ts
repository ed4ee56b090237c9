/**
 * The language server in a thread of its own (a module Web Worker started by
 * language-client.ts): the same server as `loom lsp`, its files the specs bundled into the page.
 */
import { serveInWorker } from "../../src/api/language-worker.ts";
import { readSpecFile, specPath, specUri } from "./examples.ts";

serveInWorker({ read: readSpecFile, uriToPath: specPath, pathToUri: specUri });
