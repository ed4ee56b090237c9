/**
 * WebGPU from the npm registry alone: the README's main job (compile, then generate) run inside a
 * mount namespace where Debian's chromium and the system's Vulkan loader are hidden behind empty
 * stand-ins, so the only CPU driver left is the SwiftShader that `npm ci` installed with Loom.
 * The generated text must equal the CPU reference executor's. Needs root and unshare(1).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DEBIAN_SWIFTSHADER_ICD } from "../../src/runtime/webgpu/cpu-drivers.ts";
import { cachedSwiftShader } from "../../src/runtime/webgpu/swiftshader-cache.ts";
import { runLoom } from "../cli/run-loom.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "loom-registry-swiftshader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file the dynamic linker's cache names for libvulkan.so.1, resolved through symlinks. */
async function systemVulkanLoaders(): Promise<string[]> {
  const { stdout } = await run("ldconfig", ["-p"]);
  const paths = stdout
    .split("\n")
    .filter((line) => line.trim().startsWith("libvulkan.so.1 "))
    .map((line) => line.split("=>")[1]!.trim());
  return [...new Set(paths.filter((path) => existsSync(path)).map((path) => realpathSync(path)))];
}

/** Whether this process may make a mount namespace (root, with util-linux's unshare). */
async function canUnshare(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "the test runs as root to bind-mount in a namespace";
  try {
    await run("unshare", ["-m", "true"]);
    return undefined;
  } catch (error) {
    return `\`unshare -m\` failed: ${(error as Error).message}`;
  }
}

describe("SwiftShader from the npm registry", () => {
  it("unpacks once into the cache even when two callers race", async () => {
    const saved = process.env["XDG_CACHE_HOME"];
    process.env["XDG_CACHE_HOME"] = join(dir, "race-cache");
    try {
      const [a, b] = await Promise.all([cachedSwiftShader(), cachedSwiftShader()]);
      expect(typeof a).toBe("object");
      expect(a).toEqual(b);
      const root = join(dir, "race-cache", "loom");
      const entries = readdirSync(root);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatch(/^swiftshader-\d+\.\d+\.\d+$/);
      expect(readdirSync(join(root, entries[0]!)).sort()).toEqual([
        "libvk_swiftshader.so",
        "libvulkan.so.1",
        "vk_swiftshader_icd.json",
      ]);
    } finally {
      if (saved === undefined) delete process.env["XDG_CACHE_HOME"];
      else process.env["XDG_CACHE_HOME"] = saved;
    }
  });

  it("runs compile and generate on WebGPU with chromium and libvulkan1 hidden", async () => {
    const reason = await canUnshare();
    if (reason) expect.fail(`this test hides system files in a mount namespace, but ${reason}`);
    const emptyDir = join(dir, "empty-dir");
    const emptyFile = join(dir, "empty-file");
    await mkdir(emptyDir);
    writeFileSync(emptyFile, "");
    const hidden = [
      ...(existsSync("/usr/lib/chromium") ? [`mount --bind ${emptyDir} /usr/lib/chromium`] : []),
      ...(await systemVulkanLoaders()).map((path) => `mount --bind ${emptyFile} ${path}`),
    ];
    const bundle = join(dir, "moby");
    const cache = join(dir, "cache");
    const script = [
      "set -e",
      ...hidden,
      `test ! -s ${DEBIAN_SWIFTSHADER_ICD}`,
      `node bin/loom compile specs/tiny-gpt-moby.loom --weights weights/tiny-gpt-moby.safetensors -o ${bundle} --force`,
      `node bin/loom generate ${bundle} --prompt "Call me"`,
    ].join("\n");
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache };
    delete env["VK_ICD_FILENAMES"];
    const { stdout, stderr } = await run("unshare", ["-m", "bash", "-c", script], { env });
    const reference = await runLoom(
      ...["generate", bundle, "--prompt", "Call me", "--backend", "cpu"],
    );
    expect(reference.code).toBe(0);
    expect(reference.stdout.trim()).toMatch(/^Call me \S/);
    expect(stdout.trim().split("\n").at(-1)).toBe(reference.stdout.trim());
    expect(stderr).toMatch(
      new RegExp(
        `^webgpu: .*swiftshader.* \\(CPU, SwiftShader from @sparticuz/chromium [\\d.]+, unpacked in ${cache}/loom/swiftshader-[\\d.]+\\)$`,
        "im",
      ),
    );
  }, 300_000);
});
