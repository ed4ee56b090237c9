/** Told how many bytes of a download have arrived, and how many there are (0 when unknown). */
export type ByteProgress = (received: number, total: number) => void;

/** A file that could not be fetched; `code` is ENOENT for a 404, as the bundle reader expects. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The bytes at `url`, streamed so `progress` hears each chunk. Throws FetchError (never a bare
 * TypeError) with the URL and the reason: network failure, or the HTTP status.
 */
export async function fetchBytes(url: string, progress?: ByteProgress): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new FetchError(
      `cannot fetch ${url}: ${(error as Error).message} (is the address right, and does the server allow this page to read it?)`,
    );
  }
  if (!response.ok)
    throw new FetchError(
      `cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`.trim(),
      response.status === 404 ? "ENOENT" : undefined,
    );
  const total = Number(response.headers.get("content-length") ?? 0);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
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
