/**
 * The package as a user gets it: packed into a tarball, installed into a scratch project outside
 * the repository, and used there through `npx loom`, a plain Node ES module and a TypeScript
 * consumer compiled with tsc (NodeNext, strict). Dependencies come from npm's cache (`npm ci`
 * filled it), so no download is needed when the lock file's versions are cached.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
let project = "";
let tarball = "";

function run(command: string, args: string[], cwd = project) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 240_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The bundle's first six greedy tokens after 1,2,3 from the installed CLI's CPU reference executor. */
function referenceTokens() {
  const args = ["loom", "generate", "bundle", "--tokens", "1,2,3", "--max-tokens", "6"];
  return run("npx", [...args, "--backend", "cpu"]);
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "loom-consumer-"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", project], {
      cwd: repo,
      encoding: "utf8",
    }),
  ) as { filename: string; files: { path: string }[] }[];
  tarball = join(project, packed[0]!.filename);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const typescript = JSON.parse(
    readFileSync(join(repo, "node_modules/typescript/package.json"), "utf8"),
  ).version;
  const installed = run("npm", [
    "install",
    tarball,
    `typescript@${typescript}`,
    "@types/node@20",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
  ]);
  expect(installed.status, installed.stderr).toBe(0);
  writeFileSync(
    join(project, "tiny.loom"),
    readFileSync(join(repo, "specs/tiny-gpt.loom"), "utf8"),
  );
}, 300_000);

describe("the packed package", () => {
  it("holds the built code, the docs and the command, not the repository's tests or tools", () => {
    const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(files).toContain("package/bin/loom");
    expect(files).toContain("package/dist/cli/main.js");
    expect(files).toContain("package/dist/src/api/index.d.ts");
    expect(files).toContain("package/dist/src/api/browser.js");
    expect(
      files.filter((f) => /^package\/(test|bench|training|weights|tools|src)\//.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("runs `npx loom` check, compile and generate, with the same tokens on WebGPU as on the CPU", () => {
    expect(run("npx", ["loom", "--version"]).stdout.trim()).toBe(
      JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).version,
    );
    const checked = run("npx", ["loom", "check", "tiny.loom"]);
    expect(checked.stderr).toContain("no problems");
    expect(checked.status).toBe(0);
    const compiled = run("npx", [
      "loom",
      "compile",
      "tiny.loom",
      "--init-seed",
      "3",
      "-o",
      "bundle",
    ]);
    expect(compiled.status, compiled.stderr).toBe(0);
    const args = ["loom", "generate", "bundle", "--tokens", "1,2,3", "--max-tokens", "6"];
    const gpu = run("npx", args);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(gpu.stderr).toMatch(/webgpu: /);
    const cpu = run("npx", [...args, "--backend", "cpu"]);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(gpu.stdout).toBe(cpu.stdout);
    expect(gpu.stdout).toMatch(/^\d+(,\d+){5}\n$/);
  });

  it("is imported by a plain Node ES module that runs a bundle on WebGPU", () => {
    writeFileSync(
      join(project, "plain.mjs"),
      [
        'import { generateText, loadModel, openOnDevice } from "loom-webgpu";',
        'const model = loadModel("bundle");',
        "const device = await openOnDevice(model);",
        "const ids = [];",
        "for await (const token of generateText(model, { prompt: [1, 2, 3], maxTokens: 6, device }))",
        "  ids.push(token.id);",
        "device.destroy();",
        'console.log(ids.join(","));',
      ].join("\n"),
    );
    const plain = run("node", ["plain.mjs"]);
    expect(plain.status, plain.stderr).toBe(0);
    const cpu = referenceTokens();
    expect(plain.stdout).toBe(cpu.stdout);
  });

  it("type-checks and compiles a TypeScript consumer (NodeNext, strict) with no casts", () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          outDir: "out",
          types: ["node"],
        },
        include: ["consumer.ts"],
      }),
    );
    writeFileSync(
      join(project, "consumer.ts"),
      [
        'import { readFileSync } from "node:fs";',
        "import {",
        "  checkSpec,",
        "  formatSpec,",
        "  generateText,",
        "  loadModel,",
        "  LoomError,",
        "  renderPretty,",
        "  summarize,",
        "  type Diagnostic,",
        "  type GeneratedToken,",
        '} from "loom-webgpu";',
        "",
        'const checked = checkSpec("tiny.loom", (path) => readFileSync(path, "utf8"));',
        "const problems: Diagnostic[] = checked.diagnostics;",
        "process.stdout.write(renderPretty(problems, checked.sources, { color: false }));",
        "const ir = checked.models[0]?.ir;",
        "if (ir) console.log(summarize(ir, { batch: 1, seq: 8 }).parameters);",
        'const formatted = await formatSpec(readFileSync("tiny.loom", "utf8"), "tiny.loom");',
        "console.log(formatted.ok ? formatted.formatted.length : formatted.diagnostics.length);",
        "try {",
        '  const model = loadModel("tiny.loom", { backend: "cpu", initSeed: 3 });',
        "  const tokens: GeneratedToken[] = [];",
        "  for await (const token of generateText(model, { prompt: [1, 2, 3], maxTokens: 6 }))",
        "    tokens.push(token);",
        '  console.log(tokens.map((t) => t.id).join(","));',
        "} catch (error) {",
        "  if (error instanceof LoomError) console.error(error.message, error.diagnostics.length);",
        "  else throw error;",
        "}",
      ].join("\n"),
    );
    const tsc = run("npx", ["tsc", "-p", "."]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    const ran = run("node", ["out/consumer.js"]);
    expect(ran.status, ran.stderr).toBe(0);
    const cpu = referenceTokens();
    expect(ran.stdout.trim().split("\n").at(-1)).toBe(cpu.stdout.trim());
  });

  it("runs every JavaScript example of docs/api.md, in order, without an error", () => {
    const doc = readFileSync(join(repo, "docs/api.md"), "utf8");
    const examples = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(6);
    examples.forEach((code, i) => {
      const file = join(project, `example-${i}.mjs`);
      writeFileSync(file, code);
      const ran = run("node", [file]);
      expect(ran.status, `example ${i}:\n${code}\n${ran.stderr}`).toBe(0);
      expect(ran.stdout.length, `example ${i} printed nothing`).toBeGreaterThan(0);
    });
  });
});
