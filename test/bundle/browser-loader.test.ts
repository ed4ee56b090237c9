/**
 * The browser bundle loader with an injected fetch: the manifest is validated before anything
 * else is requested; only the files it names are fetched, inside the bundle's URL; each download
 * stops at the size the manifest records; the number of kernels and of requests in flight is
 * bounded.
 */
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../../src/compiler/bundle/encode.ts";
import { FETCH_CONCURRENCY, MAX_KERNELS } from "../../src/contracts/bundle/limits.ts";
import { OutsideBundle } from "../../src/formats/bundle/file-errors.ts";
import { fetchBundle } from "../../src/runtime/browser/bundle.ts";
import { bundleBase, fileUrl } from "../../src/runtime/browser/bundle-url.ts";
import { CHUNK, fakeServer, type Served } from "./fake-server.ts";
import { codes, expectWellFormed, miniContent } from "./helpers.ts";

const BASE = "https://models.example/b/";
const MANIFEST_URL = `${BASE}manifest.json`;
const encoded = encodeBundle(miniContent());
const manifestJson = () => JSON.parse(new TextDecoder().decode(fileOf("manifest.json")));

function fileOf(path: string): Uint8Array {
  return encoded.files.find((f) => f.path === path)!.bytes;
}

/** The pristine bundle's files, with the manifest replaced by `manifest` when given. */
function served(manifest?: unknown, extra: [string, Served][] = []): Map<string, Served> {
  const files = new Map<string, Served>(encoded.files.map((f) => [f.path, f.bytes]));
  if (manifest !== undefined)
    files.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
  for (const [path, file] of extra) files.set(path, file);
  return files;
}

describe("fetchBundle", () => {
  it("fetches the manifest, then exactly the files it names, all inside the bundle", async () => {
    const server = fakeServer(BASE, served());
    const read = await fetchBundle(BASE, { fetch: server.fetch });
    expect(read.diagnostics).toEqual([]);
    expect(read.bundle).toBeDefined();
    expect(server.requested[0]).toBe(MANIFEST_URL);
    expect([...server.requested].sort()).toEqual(
      ["kernels/copy.wgsl", "manifest.json", "weights.safetensors"].map((f) => BASE + f).sort(),
    );
  });

  it.each([
    [
      "a kernel file above the bundle",
      (m: any) => (m.plan.kernels[0].wgslFile = "../private/secret.txt"),
    ],
    [
      "an absolute kernel URL",
      (m: any) => (m.plan.kernels[0].wgslFile = "https://evil.example/k.wgsl"),
    ],
    [
      "a kernel file with a query",
      (m: any) => (m.plan.kernels[0].wgslFile = "kernels/copy.wgsl?x=1"),
    ],
    [
      "a kernel path from the origin's root",
      (m: any) => (m.plan.kernels[0].wgslFile = "/kernels/copy.wgsl"),
    ],
    [
      "weights at an API endpoint",
      (m: any) => (m.weights.file = "/api/delete-everything?confirm=yes"),
    ],
    ["weights above the bundle", (m: any) => (m.weights.file = "../weights.safetensors")],
  ])("refuses %s with no request beyond the manifest", async (_what, edit) => {
    const manifest = manifestJson();
    edit(manifest);
    const server = fakeServer(BASE, served(manifest));
    const read = await fetchBundle(BASE, { fetch: server.fetch });
    expect(server.requested).toEqual([MANIFEST_URL]);
    expect(read.bundle).toBeUndefined();
    expect(codes(read.diagnostics)).toEqual(["E0611"]);
    expectWellFormed(read.diagnostics);
  });

  it("refuses an inconsistent manifest before fetching its files", async () => {
    const manifest = manifestJson();
    manifest.plan.steps[0].kernel = "gone";
    const server = fakeServer(BASE, served(manifest));
    const read = await fetchBundle(`${BASE}manifest.json`, { fetch: server.fetch });
    expect(codes(read.diagnostics)).toEqual(["E0614"]);
    expect(server.requested).toEqual([MANIFEST_URL]);
  });

  it("refuses 20,000 kernels before fetching any", async () => {
    const manifest = manifestJson();
    const kernel = manifest.plan.kernels[0];
    manifest.plan.kernels = Array.from({ length: 20_000 }, (_, i) => ({
      ...kernel,
      name: `k${i}`,
      wgslFile: `kernels/k${i}.wgsl`,
    }));
    const server = fakeServer(BASE, served(manifest));
    const read = await fetchBundle(BASE, { fetch: server.fetch });
    expect(server.requested).toEqual([MANIFEST_URL]);
    expect(codes(read.diagnostics)).toEqual(["E0623"]);
    expect(read.diagnostics[0]!.message).toBe(
      `the manifest names 20000 kernels; a loader reads at most ${MAX_KERNELS}`,
    );
  });

  it("stops a weights download at the size the manifest records", async () => {
    const cap = encoded.manifest.weights.bytes;
    const huge = 512 * 1024 * 1024;
    const server = fakeServer(
      BASE,
      served(undefined, [["weights.safetensors", { generatedBytes: huge }]]),
    );
    const read = await fetchBundle(BASE, { fetch: server.fetch });
    const weightsUrl = `${BASE}weights.safetensors`;
    // Read chunk by chunk: the first chunk past the cap is the last one taken.
    expect(server.delivered.get(weightsUrl)).toBeLessThanOrEqual(cap + CHUNK);
    expect(server.cancelled).toEqual([weightsUrl]);
    expect(codes(read.diagnostics)).toEqual(["E0623"]);
    expect(read.diagnostics[0]!.message).toBe(
      `weights.safetensors (the weights) of the bundle \`${BASE.slice(0, -1)}\` is larger than the ${cap} bytes the manifest records (weights.bytes)`,
    );
  });

  it("reads no body at all when Content-Length is over the cap", async () => {
    const server = fakeServer(
      BASE,
      served(undefined, [["kernels/copy.wgsl", { generatedBytes: 10 * 1024 * 1024 }]]),
      { contentLength: true },
    );
    const read = await fetchBundle(BASE, { fetch: server.fetch });
    expect(server.delivered.get(`${BASE}kernels/copy.wgsl`)).toBeUndefined();
    expect(codes(read.diagnostics)).toEqual(["E0623"]);
    expect(read.diagnostics[0]!.notes).toEqual(["the file has 10485760 bytes; 0 were read"]);
  });

  it("has at most the concurrency limit of requests in flight", async () => {
    const content = miniContent();
    const copy = content.plan.kernels[0]!;
    content.plan.kernels = Array.from({ length: 12 }, (_, i) => ({ ...copy, name: `copy${i}` }));
    content.plan.steps[0]!.kernel = "copy0";
    const many = encodeBundle(content);
    const server = fakeServer(BASE, new Map(many.files.map((f) => [f.path, f.bytes])));
    await fetchBundle(BASE, { fetch: server.fetch });
    expect(server.requested.length).toBe(1 + 12 + 1);
    expect(server.maxInFlight).toBe(FETCH_CONCURRENCY);
    const two = fakeServer(BASE, new Map(many.files.map((f) => [f.path, f.bytes])));
    await fetchBundle(BASE, { fetch: two.fetch, concurrency: 2 });
    expect(two.maxInFlight).toBe(2);
  });

  it("says a file the server does not have (404) does not exist", async () => {
    const files = served();
    files.delete("kernels/copy.wgsl");
    const read = await fetchBundle(BASE, { fetch: fakeServer(BASE, files).fetch });
    expect(codes(read.diagnostics)).toEqual(["E0610"]);
    expect(read.diagnostics[0]!.message).toContain("it does not exist");
  });
});

describe("bundle URLs", () => {
  const base = bundleBase("https://models.example/b/manifest.json?token=1#x") as URL;

  it("takes the bundle's directory, without the manifest, query or fragment", () => {
    expect(base.href).toBe(BASE);
    expect((bundleBase("https://models.example/b") as URL).href).toBe(BASE);
  });

  it("puts a plain name inside the bundle", () => {
    expect(fileUrl(base, "kernels/copy.wgsl")).toBe(`${BASE}kernels/copy.wgsl`);
  });

  it.each([
    "../private/secret.txt",
    "kernels/../../secret.txt",
    "/api/delete-everything?confirm=yes",
    "https://evil.example/x",
    "//evil.example/x",
    "kernels/a.wgsl?x=1",
    "kernels/a.wgsl#x",
    "kernels/%2e%2e/x",
    "kernels\\..\\x",
    "./manifest.json",
    "",
  ])("refuses %j as outside the bundle", (name) => {
    expect(() => fileUrl(base, name)).toThrow(OutsideBundle);
  });
});
