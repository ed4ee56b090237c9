import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLoom } from "./run-loom.ts";

const dir = mkdtempSync(join(tmpdir(), "loom-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GPT2 = "test/import/configs/gpt2.json";

describe("loom import", () => {
  it("prints the spec on stdout without -o", async () => {
    const { code, stdout, stderr } = await runLoom("import", GPT2);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model gpt2 \{$/m);
    expect(stderr).toContain("--layout hf-gpt2");
  });

  it("writes a new file with -o, which `loom summary` counts, and never replaces one without --force", async () => {
    const out = join(dir, "gpt2.loom");
    expect((await runLoom("import", GPT2, "-o", out)).code).toBe(0);
    const summary = await runLoom("summary", out, "--json");
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.stdout).parameters).toBe(124_439_808);

    writeFileSync(out, "// mine\n");
    const refused = await runLoom("import", GPT2, "-o", out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("E0908");
    expect(readFileSync(out, "utf8")).toBe("// mine\n");
    expect((await runLoom("import", GPT2, "-o", out, "--force")).code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^model gpt2 \{$/m);
  });

  it("reports a refused config with its code and the config line, exit 1, nothing written", async () => {
    const out = join(dir, "mistral.loom");
    const { code, stderr } = await runLoom(
      "import",
      "test/import/configs/mistral-7b-v0.1.json",
      "-o",
      out,
    );
    expect(code).toBe(1);
    expect(stderr).toContain("error[E0905]");
    expect(stderr).toContain("mistral-7b-v0.1.json:16:21");
    expect(stderr).toContain("--context 4096");
    expect(() => readFileSync(out)).toThrow();
    const exact = await runLoom(
      "import",
      "test/import/configs/mistral-7b-v0.1.json",
      "--context",
      "4096",
    );
    expect(exact.code).toBe(0);
  });

  it("reads config.json from a checkpoint folder", async () => {
    const folder = join(dir, "checkpoint");
    mkdirSync(folder);
    writeFileSync(join(folder, "config.json"), readFileSync(GPT2));
    const { code, stdout } = await runLoom("import", folder);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model gpt2 \{$/m);
  });

  it("exits 2 for a config it cannot read", async () => {
    const { code, stderr } = await runLoom("import", join(dir, "missing.json"));
    expect(code).toBe(2);
    expect(stderr).toContain("cannot read");
  });
});
