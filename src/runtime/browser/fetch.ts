import { FileTooLarge } from "../../formats/bundle/file-errors.ts";

/** Told how many bytes of a download have arrived, and how many there are (0 when unknown). */
export type ByteProgress = (received: number, total: number) => void;

/** The fetch a loader uses: the page's `fetch`, or one a caller injects (tests, a proxy). */
export type Fetch = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** A file that could not be fetched; `code` is ENOENT for a 404, as the bundle reader expects. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface FetchBytesOptions {
  /** The most bytes to accept: a larger Content-Length or body is FileTooLarge, and the download stops. */
  maxBytes: number;
  progress?: ByteProgress;
  fetch?: Fetch;
}

/**
 * The bytes at `url`, streamed so `progress` hears each chunk, never more than `maxBytes`: the
 * download is aborted as soon as it is exceeded (FileTooLarge). Throws FetchError (never a bare
 * TypeError) with the URL and the reason: network failure, or the HTTP status.
 */
export async function fetchBytes(url: string, options: FetchBytesOptions): Promise<Uint8Array> {
  const { maxBytes, progress } = options;
  const abort = new AbortController();
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: abort.signal });
  } catch (error) {
    throw new FetchError(
      `cannot fetch ${url}: ${(error as Error).message} (is the address right, and does the server allow this page to read it?)`,
    );
  }
  const stop = () => {
    abort.abort();
    void response.body?.cancel().catch(() => {});
  };
  if (!response.ok) {
    stop();
    throw new FetchError(
      `cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`.trim(),
      response.status === 404 ? "ENOENT" : undefined,
    );
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  if (total > maxBytes) {
    stop();
    throw new FileTooLarge(maxBytes, 0, total);
  }
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new FileTooLarge(maxBytes, bytes.length);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
    if (received > maxBytes) {
      abort.abort();
      await reader.cancel().catch(() => {});
      throw new FileTooLarge(maxBytes, received);
    }
    chunks.push(value);
    progress?.(received, total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
