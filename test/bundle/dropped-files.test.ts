/**
 * Bundles given as files, as the browser runtime gets them from a dropped folder
 * (src/runtime/browser/bundle.ts): the folder holding manifest.json is the bundle, and a missing
 * file is the same diagnostic `loom run` gives for a directory.
 */
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../../src/compiler/bundle/encode.ts";
import { bundleFromFiles } from "../../src/runtime/browser/bundle.ts";
import { codes, expectWellFormed, miniContent } from "./helpers.ts";

const encoded = encodeBundle(miniContent());

describe("bundles from dropped files", () => {
  it("reads a dropped folder, whatever its name", () => {
    const files = encoded.files.map((f) => ({ path: `my-model/${f.path}`, bytes: f.bytes }));
    const read = bundleFromFiles(files);
    expect(read.diagnostics).toEqual([]);
    expect(read.bundle?.location).toBe("my-model");
    expect(read.bundle?.plan.kernels.length).toBe(encoded.manifest.plan.kernels.length);
  });

  it("reads the files dropped without their folder", () => {
    expect(bundleFromFiles(encoded.files).bundle).toBeDefined();
  });

  it("says which file is missing", () => {
    const files = encoded.files.filter((f) => f.path !== encoded.manifest.weights.file);
    const read = bundleFromFiles(files);
    expect(read.bundle).toBeUndefined();
    expect(codes(read.diagnostics)).toEqual(["E0610"]);
    expect(read.diagnostics[0]!.message).toContain("it does not exist");
    expectWellFormed(read.diagnostics);
  });

  it("says there is no manifest when none was dropped", () => {
    const read = bundleFromFiles([{ path: "notes.txt", bytes: new Uint8Array([104, 105]) }]);
    expect(codes(read.diagnostics)).toEqual(["E0610"]);
    expect(read.diagnostics[0]!.message).toContain("manifest.json");
  });
});
