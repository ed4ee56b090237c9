/**
 * The URLs of a bundle's files: the bundle's directory URL, and each file's inside it. A file
 * name that would leave the directory (`..`, an absolute path or URL, a query or fragment, an
 * escaped character) is OutsideBundle and is never fetched. The manifest schema already refuses
 * such names; this is the loader's own guard.
 */
import { OutsideBundle } from "../../formats/bundle/file-errors.ts";
import { FetchError } from "./fetch.ts";

/** A plain relative name: segments of safe characters, none of them `.` or `..`. */
const PLAIN_NAME = /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+)*$/;

/**
 * The directory URL of the bundle at `url` (relative to the page, if there is one), ending in
 * `/`, without `manifest.json`, query or fragment; a FetchError when it is no URL.
 */
export function bundleBase(url: string): URL | FetchError {
  let base: URL;
  try {
    base = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    return new FetchError(`\`${url}\` is not a URL`);
  }
  base.search = "";
  base.hash = "";
  base.pathname = base.pathname.replace(/\/manifest\.json$/, "/").replace(/\/?$/, "/");
  return base;
}

/** The URL of `file` inside the bundle at `base`; throws OutsideBundle when it would leave it. */
export function fileUrl(base: URL, file: string): string {
  if (!PLAIN_NAME.test(file)) throw new OutsideBundle(describe(file, base));
  const url = new URL(file, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname))
    throw new OutsideBundle(url.href);
  return url.href;
}

/** Where a refused name would have led, for the message. */
function describe(file: string, base: URL): string {
  try {
    return new URL(file, base).href;
  } catch {
    return JSON.stringify(file);
  }
}
