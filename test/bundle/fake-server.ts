/**
 * A fake HTTP server for the browser loader's tests: an injected fetch that serves files from a
 * map, records every URL asked for, counts the bytes its streams deliver and how many responses
 * are in flight at once (from the request until the body is read to its end or cancelled).
 */
import type { Fetch } from "../../src/runtime/browser/fetch.ts";

/** What a served file is: bytes, or a size of zero bytes generated as they are read. */
export type Served = Uint8Array | { generatedBytes: number };

export interface FakeServer {
  fetch: Fetch;
  /** Every URL requested, in order. */
  requested: string[];
  /** Body bytes delivered, by URL. */
  delivered: Map<string, number>;
  /** URLs whose body the client cancelled. */
  cancelled: string[];
  /** The most responses in flight at once. */
  maxInFlight: number;
}

/** Bytes a stream delivers per chunk. */
export const CHUNK = 64 * 1024;

/**
 * A server for the files under `base` (a URL ending in `/`); `contentLength` sends the
 * Content-Length header.
 */
export function fakeServer(
  base: string,
  files: ReadonlyMap<string, Served>,
  options: { contentLength?: boolean } = {},
): FakeServer {
  let inFlight = 0;
  const server: FakeServer = {
    requested: [],
    delivered: new Map(),
    cancelled: [],
    maxInFlight: 0,
    fetch: async (url) => {
      server.requested.push(url);
      inFlight++;
      server.maxInFlight = Math.max(server.maxInFlight, inFlight);
      await tick();
      const served = url.startsWith(base) ? files.get(url.slice(base.length)) : undefined;
      if (served === undefined) {
        inFlight--;
        return new Response("not found", { status: 404, statusText: "Not Found" });
      }
      const size = served instanceof Uint8Array ? served.length : served.generatedBytes;
      let sent = 0;
      let open = true;
      const close = () => {
        if (open) inFlight--;
        open = false;
      };
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            await tick();
            if (sent >= size) {
              close();
              controller.close();
              return;
            }
            const n = Math.min(CHUNK, size - sent);
            const chunk =
              served instanceof Uint8Array ? served.slice(sent, sent + n) : new Uint8Array(n);
            sent += n;
            server.delivered.set(url, sent);
            controller.enqueue(chunk);
          },
          cancel() {
            server.cancelled.push(url);
            close();
          },
        },
        { highWaterMark: 0 },
      ); // pulled only when read, so `delivered` is what the client took
      const headers = options.contentLength ? { "content-length": String(size) } : undefined;
      return new Response(body, { status: 200, ...(headers ? { headers } : {}) });
    },
  };
  return server;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
