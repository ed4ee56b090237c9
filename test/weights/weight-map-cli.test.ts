/**
 * Weight maps through the API and the CLI: `<spec>.weightmap.json` beside the spec is found
 * without a flag, `--weight-map FILE` names another, and a bad map is a diagnostic quoting its
 * line (exit 1) or, when the file cannot be read, a usage error (exit 2). Never a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../../src/api/compile.ts";
import { loadModel } from "../../src/api/model.ts";
import { weightMapPath } from "../../src/api/weight-map.ts";
import type { Io } from "../../src/cli/io.ts";
import { runWeightsInspect } from "../../src/cli/weights.ts";
import { writeSafetensors } from "../../src/formats/weights/safetensors.ts";
import { mapText, tfCheckpoint } from "./map-cases.ts";

const SPEC = "test/weights/maps/tf-tiny.loom";
const dir = mkdtempSync(join(tmpdir(), "loom-weight-map-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const checkpoint = join(dir, "tf.safetensors");
writeFileSync(checkpoint, writeSafetensors(tfCheckpoint()));

function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    isTty: false,
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

describe("weight maps in the API and the CLI", () => {
  it("looks for <spec>.weightmap.json beside the spec", () => {
    expect(weightMapPath("specs/x.loom")).toBe("specs/x.weightmap.json");
  });

  it("loadModel finds the spec's map and binds the TensorFlow checkpoint", () => {
    const model = loadModel(SPEC, { weights: checkpoint, backend: "cpu" });
    const q = model.weights.get("encoder.0.attention.q.weight")!;
    expect([...q.data.subarray(0, 4)]).toEqual([0, 12, 24, 36]);
    expect(model.warnings).toEqual([]);
  });

  it("compileSpec binds through the map and records it", () => {
    const compiled = compileSpec(SPEC, { weights: checkpoint });
    expect(compiled.weightsOrigin).toBe(
      `from ${checkpoint}, layout loom, weight map test/weights/maps/tf-tiny.weightmap.json`,
    );
    expect([...compiled.weights.get("encoder.0.attention.o.weight")!.data.subarray(0, 4)]).toEqual([
      100, 104, 108, 112,
    ]);
  });

  it("`loom weights inspect --spec` binds through the map and says so", () => {
    const io = capture();
    expect(runWeightsInspect(checkpoint, { json: false, spec: SPEC }, io)).toBe(0);
    expect(io.out).toContain(
      "bound to tf_tiny: all 17 weights (layout loom, weight map test/weights/maps/tf-tiny.weightmap.json)",
    );
  });

  it("--weight-map names another map; its mistakes quote the map's line", () => {
    const bad = join(dir, "bad.weightmap.json");
    writeFileSync(bad, mapText(['{ "from": "embeddings/*", "to": "tok.{2}" }']));
    const io = capture();
    expect(runWeightsInspect(checkpoint, { json: false, spec: SPEC, weightMap: bad }, io)).toBe(1);
    expect(io.err).toContain(`error[E0511]: invalid weight map: \`rules[0].to\` uses {2}`);
    expect(io.err).toContain(`--> ${bad}:4:37`);
    expect(io.err).toContain(' 4 |     { "from": "embeddings/*", "to": "tok.{2}" }');
    expect(io.err).not.toMatch(/\n\s+at /);
  });

  it("a weight map that cannot be read is E0510 and exit 2", () => {
    const io = capture();
    const missing = join(dir, "none.weightmap.json");
    expect(runWeightsInspect(checkpoint, { json: false, spec: SPEC, weightMap: missing }, io)).toBe(
      2,
    );
    expect(io.err).toContain("E0510");
    expect(io.err).toContain("none.weightmap.json");
  });
});
