/**
 * The playground in a real browser: headless Chromium (Debian's, WebGPU through SwiftShader)
 * drives the page served by Vite. It edits a spec and sees the CLI's own diagnostic, compiles
 * the trained tiny GPT in the tab and generates, and checks that the greedy tokens equal the Node
 * runtime's (the CLI, `loom generate --ids`, on Dawn); it classifies a drawn digit, loads a bundle
 * from a URL, and is told clearly when a bundle URL is wrong.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { renderPretty, summaryLine } from "../../src/contracts/diagnostics/render.ts";
import { runLoom } from "../cli/run-loom.ts";
import { openPlayground, waitForStatus, type Playground } from "../../tools/headless-playground.ts";

const SPEC = "specs/tiny-gpt-moby.loom";
const TOKENS = 12;
const MINUTES = 60_000;

/** `loom ARGV…`'s standard output; fails the test if it exits non-zero. */
async function loom(...argv: string[]): Promise<string> {
  const run = await runLoom(...argv);
  if (run.code !== 0) throw new Error(`loom ${argv.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
}

let playground: Playground;
beforeAll(async () => {
  playground = await openPlayground();
}, 2 * MINUTES);
afterAll(async () => {
  await playground?.close();
});

/** Waits for the run panel to settle and expects `state`, showing the page's message if not. */
async function settlesIn(state: "ready" | "done" | "error"): Promise<void> {
  const { page } = playground;
  const reached = await waitForStatus(page, [state === "done" ? "done" : "ready", "error"]);
  expect(reached, (await page.textContent("#run-message")) ?? "").toBe(state);
}

/** The greedy tokens the page generates from "Call me" with the model now loaded. */
async function generateInPage(): Promise<number[]> {
  const { page } = playground;
  await page.fill("#prompt", "Call me");
  await page.fill("#max-tokens", String(TOKENS));
  await page.fill("#temperature", "0");
  await page.click("#generate-button");
  await settlesIn("done");
  const ids = (await page.getAttribute("#output-text", "data-tokens")) ?? "";
  return ids.split(",").map(Number);
}

describe("the playground in headless Chromium", () => {
  it("checks the spec as it is edited, with the CLI's diagnostics", async () => {
    const { page } = playground;
    await expect.poll(() => page.textContent("#diagnostics")).toBe(`${SPEC}: no problems`);
    expect(await page.locator("#diagram svg g.node").count()).toBeGreaterThan(10);

    const edited = readFileSync(SPEC, "utf8").replace("heads = 4", "heads = 5");
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(edited);
    const checked = checkSpec(SPEC, (p) => (p === SPEC ? edited : readFileSync(p, "utf8")));
    const cli = `${renderPretty(checked.diagnostics, checked.sources, { color: false })}${summaryLine(checked.diagnostics)}`;
    expect(cli).toContain("error[E0302]");
    await expect.poll(() => page.textContent("#diagnostics"), { timeout: 30_000 }).toBe(cli);
    await expect.poll(() => page.locator(".cm-lintRange-error").count()).toBeGreaterThan(0);

    await page.selectOption("#spec-picker", "specs/tiny-gpt.loom");
    await page.selectOption("#spec-picker", SPEC);
    await expect.poll(() => page.textContent("#diagnostics")).toBe(`${SPEC}: no problems`);
  });

  it(
    "compiles the tiny GPT in the tab; its greedy tokens equal the Node runtime's",
    async () => {
      const { page, errors } = playground;
      await page.click("#compile");
      await settlesIn("ready");
      const inPage = await generateInPage();

      const node = await loom(
        "generate",
        SPEC,
        "--weights",
        "weights/tiny-gpt-moby.safetensors",
        "--prompt",
        "Call me",
        "--max-tokens",
        String(TOKENS),
        "--ids",
      );
      expect(inPage).toEqual(node.trim().split(",").map(Number));
      expect(await page.textContent("#output-text")).toBe(" to the ship"); // docs/trained-models.md
      // The attention map of the prompt, drawn from the device's read-back: one row per character.
      expect(await page.getAttribute("#attention-map", "data-positions")).toBe("7");
      expect(errors).toEqual([]);
    },
    6 * MINUTES,
  );

  it(
    "classifies a digit drawn on the pad with the trained ViT",
    async () => {
      const { page, errors } = playground;
      await page.selectOption("#spec-picker", "specs/tiny-vit-mnist.loom");
      await page.click("#compile");
      await settlesIn("ready");
      const pad = await page.locator("#digit-pad").boundingBox();
      if (!pad) throw new Error("no digit pad");
      // A "1": one vertical stroke down the middle.
      await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.15);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++)
        await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * (0.15 + 0.07 * i));
      await page.mouse.up();
      await page.click("#classify");
      await settlesIn("done");
      expect(await page.locator("#class-probabilities li").count()).toBe(10);
      expect(await page.getAttribute("#class-probabilities", "data-best")).toBe("1");
      expect(await page.getAttribute("#attention-map", "data-positions")).toBe("17");
      expect(errors).toEqual([]);
    },
    6 * MINUTES,
  );

  it(
    "loads a compiled bundle from a URL or a chosen folder, and says what is wrong with a bad one",
    async () => {
      const { page, errors } = playground;
      const bundle = join(mkdtempSync(join(tmpdir(), "loom-bundle-")), "moby");
      await loom("compile", SPEC, "--weights", "weights/tiny-gpt-moby.safetensors", "-o", bundle);
      await page.route("http://bundles.test/**", (route) => {
        const file = new URL(route.request().url()).pathname.replace(/^\/moby\//, "");
        let body: Buffer;
        try {
          body = readFileSync(join(bundle, file));
        } catch {
          return route.fulfill({ status: 404, headers: { "access-control-allow-origin": "*" } });
        }
        return route.fulfill({ body, headers: { "access-control-allow-origin": "*" } });
      });
      await page.click("#bundle-loader summary");

      await page.fill("#bundle-url", "http://bundles.test/nothing-here/");
      await page.click("#bundle-fetch");
      await settlesIn("error");
      const diagnostics = (await page.textContent("#bundle-diagnostics")) ?? "";
      expect(diagnostics).toContain("error[E0610]: cannot read manifest.json");
      expect(diagnostics).toContain("it does not exist");
      expect(diagnostics).not.toMatch(/\n\s+at /);

      await page.fill("#bundle-url", "http://bundles.test/moby/");
      await page.click("#bundle-fetch");
      await settlesIn("ready");
      expect(await page.textContent("#bundle-diagnostics")).toBe("");
      // The progress bar went through the download, the upload and the kernels' compilation.
      expect(await page.getAttribute("#load-progress", "data-phases")).toBe(
        "download weights,upload weights,compile kernels",
      );
      const fromBundle = await generateInPage();
      expect(fromBundle.length).toBe(TOKENS);
      expect(await page.textContent("#output-text")).toBe(" to the ship");
      expect(errors).toEqual([]);

      // The same bundle as a folder chosen from disk (the drop zone reads folders the same way).
      await page.setInputFiles("#bundle-folder", bundle);
      await settlesIn("ready");
      expect(await page.textContent("#bundle-diagnostics")).toBe("");
      expect(await generateInPage()).toEqual(fromBundle);
      expect(errors).toEqual([]);
    },
    6 * MINUTES,
  );
});
