/**
 * Bundles in a page, as runtime/browser/bundle.ts reads them, with the spec text checked against
 * the IR (W0625, bundle-source.ts) as the Node API does.
 */
import type { ReadBundleResult } from "../formats/bundle/read.ts";
import * as browser from "../runtime/browser/bundle.ts";
import { withSourceCheck } from "./bundle-source.ts";

export type { FetchBundleOptions, GivenFile } from "../runtime/browser/bundle.ts";

/** Fetches and checks the bundle at `url`: the manifest alone first, then the files it names. */
export async function fetchBundle(
  url: string,
  options?: browser.FetchBundleOptions,
): Promise<ReadBundleResult> {
  return withSourceCheck(await browser.fetchBundle(url, options));
}

/** Reads and checks a dropped or chosen folder, reading only the files the manifest names. */
export async function bundleFromGivenFiles(
  files: readonly browser.GivenFile[],
): Promise<ReadBundleResult> {
  return withSourceCheck(await browser.bundleFromGivenFiles(files));
}

/** Checks a bundle whose files are already in memory. */
export function bundleFromFiles(
  files: readonly { path: string; bytes: Uint8Array }[],
): ReadBundleResult {
  return withSourceCheck(browser.bundleFromFiles(files));
}
