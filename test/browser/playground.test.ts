/**
 * The playground in a real browser: headless Chromium (Debian's, WebGPU through SwiftShader)
 * drives the page served by Vite. It edits a spec and sees the CLI's own diagnostic, hovers and
 * completes from the language server in its worker, compiles the trained tiny GPT in the tab and
 * generates, and checks that the greedy tokens equal the Node runtime's (the CLI, `loom generate
 * --ids`, on Dawn); it classifies a drawn digit, loads a bundle
 * from a URL, and is told clearly when a bundle URL is wrong. Every panel follows the current spec
 * or says it is stale, and from 800 px to 1600 px nothing is cut off (checked on the DOM's boxes and
 * on screenshots' pixels; LOOM_SHOTS=DIR keeps the screenshots).
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { renderPretty, summaryLine } from "../../src/contracts/diagnostics/render.ts";
import { runLoom } from "../cli/run-loom.ts";
import { openPlayground, waitForStatus, type Playground } from "../../tools/headless-playground.ts";
import { wordCentre } from "./editor-text.ts";
import { caretsAligned, columns, overflows, pageShot, type Rgb, shareOf, shot } from "./layout.ts";

const SPEC = "specs/tiny-gpt-moby.loom";
const TOKENS = 12;
const MINUTES = 60_000;
const SHOTS = process.env["LOOM_SHOTS"] ?? mkdtempSync(join(tmpdir(), "loom-shots-"));
mkdirSync(SHOTS, { recursive: true });
/** Colours of playground/src/style.css: the page, the header, a stale banner. */
const PAGE: Rgb = [0xf6, 0xf6, 0xf4];
const HEADER: Rgb = [0x20, 0x24, 0x2c];
const BANNER: Rgb = [0xff, 0xe9, 0xa8];
/** The language server's hover and completion docs: their card and its text. */
const TOOLTIP: Rgb = [0xe6, 0xee, 0xfa];
const TOOLTIP_TEXT: Rgb = [0x1d, 0x2a, 0x3a];

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

/** Replaces the editor's text, as a user would (select all, type). */
async function type(text: string): Promise<void> {
  const { page } = playground;
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** Expects the panel's stale banner shown, saying `words`, and drawn: banner-coloured, with text. */
async function expectStale(panel: string, words: string, name: string): Promise<void> {
  const { page } = playground;
  await expect.poll(() => page.getAttribute(panel, "data-stale"), { timeout: 30_000 }).toBe("");
  const banner = `${panel} .stale-banner`;
  expect(await page.isVisible(banner)).toBe(true);
  expect(await page.textContent(banner)).toContain(words);
  const pixels = await shot(page, banner, join(SHOTS, `${name}.png`));
  expect(shareOf(pixels, BANNER)).toBeGreaterThan(0.5);
  expect(shareOf(pixels, [0x5c, 0x3b, 0x00], 60)).toBeGreaterThan(0.01); // its text
}

/** Expects the panel current: no stale marker, no banner. */
async function expectCurrent(panel: string): Promise<void> {
  const { page } = playground;
  await expect.poll(() => page.getAttribute(panel, "data-stale"), { timeout: 30_000 }).toBe(null);
  expect(await page.isVisible(`${panel} .stale-banner`)).toBe(false);
}

/** The share of the diagram's pixels darker than mid-grey: box outlines and labels, unless dimmed. */
async function darkInDiagram(name: string): Promise<number> {
  const pixels = await shot(playground.page, "#diagram", join(SHOTS, `${name}.png`));
  let dark = 0;
  for (let i = 0; i < pixels.data.length; i += 4) if (pixels.data[i]! < 110) dark++;
  return dark / (pixels.width * pixels.height);
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

    const darkWhenCurrent = await darkInDiagram("diagram-current");
    const edited = readFileSync(SPEC, "utf8").replace("heads = 4", "heads = 5");
    await type(edited);
    const checked = checkSpec(SPEC, (p) => (p === SPEC ? edited : readFileSync(p, "utf8")));
    const cli = `${renderPretty(checked.diagnostics, checked.sources, { color: false })}${summaryLine(checked.diagnostics)}`;
    expect(cli).toContain("error[E0302]");
    await expect.poll(() => page.textContent("#diagnostics"), { timeout: 30_000 }).toBe(cli);
    await expect.poll(() => page.locator(".cm-lintRange-error").count()).toBeGreaterThan(0);

    // The diagram still shows the last version that checked (4 heads), marked stale and dimmed.
    await expectStale(
      "#architecture",
      `last version of ${SPEC} that checked`,
      "diagram-stale-banner",
    );
    expect(await page.locator("#diagram g.node", { hasText: "heads 4" }).count()).toBe(4);
    expect(await page.locator("#diagram g.node", { hasText: "heads 5" }).count()).toBe(0);
    expect(darkWhenCurrent).toBeGreaterThan(0.01);
    expect(await darkInDiagram("diagram-stale")).toBe(0);

    await page.selectOption("#spec-picker", "specs/tiny-gpt.loom");
    await expectCurrent("#architecture");
    expect(await page.getAttribute("#diagram svg", "aria-label")).toBe("architecture of tiny_gpt");
    await page.selectOption("#spec-picker", SPEC);
    await expect.poll(() => page.textContent("#diagnostics")).toBe(`${SPEC}: no problems`);
  });

  it("hovers and completes from the language server in a worker, with the reference's docs", async () => {
    const { page, errors } = playground;
    const original = readFileSync(SPEC, "utf8");
    const reference = readFileSync("docs/language.md", "utf8").split("## Layer reference")[1]!;
    const layers = [...reference.matchAll(/^### `(\w+)`/gm)].map((m) => m[1]!);
    expect(layers).toContain("rmsnorm");
    // What the spec defines above line 11, read off it by hand: the input, x, the dims, the symbols.
    const inScope = ["tokens", "x", "vocab", "ctx", "d", "heads", "layers", "batch", "seq"];
    await expect.poll(() => page.textContent("#diagnostics")).toBe(`${SPEC}: no problems`);

    // A read of x in the repeat: [batch, seq, d] with d = 128, the size ctx has too.
    const hover = page.locator(".cm-lsp-hover-tooltip");
    const x = await wordCentre(page, "x = x + attention", "x", 1);
    await page.mouse.move(x.x, x.y);
    await expect
      .poll(() => hover.textContent(), { timeout: 30_000 })
      .toContain("x: float[batch, seq, ctx|d=128]");
    const card = await shot(page, ".cm-lsp-hover-tooltip", join(SHOTS, "hover.png"));
    expect(shareOf(card, TOOLTIP)).toBeGreaterThan(0.5);
    expect(shareOf(card, TOOLTIP_TEXT, 60)).toBeGreaterThan(0.01);
    await page.mouse.move(0, 0);
    await expect.poll(() => hover.count()).toBe(0);
    // A dynamic dim: its bound, seq <= ctx = 128.
    const seq = await wordCentre(page, "input tokens", "seq");
    await page.mouse.move(seq.x, seq.y);
    await expect.poll(() => hover.textContent(), { timeout: 30_000 }).toContain("seq <= 128");
    await page.mouse.move(0, 0);

    // Completion where a value goes: the names in scope, then every layer of the reference, the
    // chosen one's entry beside the list.
    const end = await wordCentre(page, "x = x + learned_positions", "ctx)");
    await page.mouse.click(end.x, end.y);
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("y = ");
    await page.keyboard.press("Control+Space");
    const list = page.locator(".cm-tooltip-autocomplete");
    const labels = list.locator(".cm-completionLabel");
    await expect
      .poll(() => labels.allTextContents(), { timeout: 30_000 })
      .toEqual([...inScope, ...layers]);
    await page.keyboard.type("rms");
    await expect
      .poll(() => list.locator("[aria-selected] .cm-completionLabel").textContent())
      .toBe("rmsnorm");
    const rmsnormDoc = "Root-mean-square normalisation over the last axis, with a learned scale.";
    expect(reference).toContain(rmsnormDoc);
    const info = page.locator(".cm-completionInfo");
    await expect.poll(() => info.textContent()).toContain(rmsnormDoc);
    const docs = await shot(page, ".cm-completionInfo", join(SHOTS, "completion-docs.png"));
    expect(shareOf(docs, TOOLTIP)).toBeGreaterThan(0.5);
    await page.keyboard.press("Enter");
    // Then its arguments not given yet: eps, with its meaning.
    await page.keyboard.type("(x, ");
    await page.keyboard.press("Escape"); // what typing "(x," offered: asked again, by hand
    await expect.poll(() => list.count()).toBe(0);
    await page.keyboard.press("Control+Space");
    await expect
      .poll(() => list.locator("[aria-selected] .cm-completionLabel").textContent())
      .toBe("eps");
    await expect.poll(() => info.textContent()).toContain("added to the mean square");
    await page.waitForTimeout(100); // a list takes no key in its first 75 ms (interactionDelay)
    await page.keyboard.press("Enter");
    expect(await page.locator("#editor .cm-activeLine").textContent()).toMatch(
      /^ *y = rmsnorm\(x, eps = $/,
    );
    await page.keyboard.press("Escape");
    await type(original);
    await expect.poll(() => page.textContent("#diagnostics")).toBe(`${SPEC}: no problems`);
    expect(errors).toEqual([]);
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

      // An edit that still checks: the diagram follows it, the loaded model is stale until compiled.
      const original = readFileSync(SPEC, "utf8");
      await type(original.replace("layers = 4", "layers = 3"));
      await expectStale("#run", `tiny_gpt_moby was compiled from an earlier version`, "run-stale");
      await expectStale("#attention", "earlier version of the spec", "attention-stale");
      await expectCurrent("#architecture");
      await expect.poll(() => page.locator("#diagram text.block-label").count()).toBe(3);
      await type(original);
      await expectCurrent("#run");
      await expectCurrent("#attention");
      expect(errors).toEqual([]);
    },
    6 * MINUTES,
  );

  it(
    "fits every panel from 800 px to 1600 px, diagnostics with their carets intact",
    async () => {
      const { page, errors } = playground;
      const original = readFileSync(SPEC, "utf8");
      // A line wider than any panel, and node names longer than their boxes.
      const scope = "a_scope_name_far_too_long_for_its_box";
      const long = original
        .replace("// A", `// ${"long ".repeat(40)}A`)
        .replace("as h {", `as ${scope} {`);
      await type(long);
      // Six nodes a layer, four layers, each box's tooltip with its full name.
      await expect
        .poll(() => page.locator("#diagram g.node > title", { hasText: scope }).count())
        .toBe(24);
      // Then an error, so that the diagnostics have a caret line and the diagram is stale.
      await type(long.replace("heads = 4", "heads = 5"));
      await expectStale("#architecture", "last version", "stale-before-resize");
      for (const width of [800, 1200, 1600]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(300); // the layout settles
        expect(await overflows(page), `${width} px`).toEqual([]);
        const carets = await caretsAligned(page);
        expect(carets.carets, `${width} px`).toBe(1);
        expect(carets.misaligned, `${width} px`).toEqual([]);
        const whole = await pageShot(page, join(SHOTS, `page-${width}.png`));
        expect(whole.width, `${width} px: the page is wider than the window`).toBe(width);
        // The page's right margin stays empty: nothing is drawn past the panels' edge.
        const margin = columns(whole, width - 8, width);
        expect(shareOf(margin, PAGE) + shareOf(margin, HEADER), `${width} px`).toBeGreaterThan(
          0.999,
        );
        await expectStale("#architecture", "last version", `diagram-stale-${width}`);
      }
      await type(original);
      await expectCurrent("#architecture");
      await page.setViewportSize({ width: 1500, height: 950 });
      expect(errors).toEqual([]);
    },
    3 * MINUTES,
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

      // Another spec picked: nothing of the ViT stays in the Run panel or the attention map.
      await page.selectOption("#spec-picker", "specs/tiny-gpt.loom");
      expect(await page.getAttribute("#run", "data-status")).toBe("idle");
      expect(await page.getAttribute("#run", "data-model")).toBe(null);
      expect(await page.textContent("#load-status")).toContain("to run tiny-gpt.loom");
      expect(await page.isVisible("#digits")).toBe(false);
      expect(await page.isVisible("#generate")).toBe(false);
      expect(await page.locator("#class-probabilities li").count()).toBe(0);
      expect(await page.isVisible("#attention")).toBe(false);
      expect(await page.getAttribute("#attention-map", "data-positions")).toBe(null);
      expect(await page.getAttribute("#diagram svg", "aria-label")).toBe(
        "architecture of tiny_gpt",
      );
      await page.click("#compile");
      await settlesIn("ready");
      expect(await page.getAttribute("#run", "data-model")).toBe("tiny_gpt");
      expect(await page.isVisible("#generate")).toBe(true);
      expect(await page.isVisible("#digits")).toBe(false);
      expect(errors).toEqual([]);
    },
    6 * MINUTES,
  );

  it(
    "searches Moby-Dick with the trained sentence encoder: a passage's own text finds it first",
    async () => {
      const { page, errors } = playground;
      const passages = JSON.parse(readFileSync("examples/moby-passages.json", "utf8")) as string[];
      await page.selectOption("#spec-picker", "specs/tiny-sentence-encoder.loom");
      await page.click("#compile");
      await settlesIn("ready");
      expect(await page.isVisible("#search")).toBe(true);
      expect(await page.isVisible("#generate")).toBe(false);
      // Identical text, identical embedding: cosine similarity 1, ranked first.
      await page.fill("#search-query", passages[7]!);
      await page.click("#search-button");
      await settlesIn("done");
      const items = page.locator("#search-results li");
      expect(await items.count()).toBe(5);
      expect(await items.first().getAttribute("data-passage")).toBe("7");
      const scores = (await page.locator("#search-results .score").allTextContents()).map(Number);
      expect(scores[0]).toBeCloseTo(1, 2);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(await page.textContent("#search-note")).toContain(`of ${passages.length} passages`);

      await page.selectOption("#spec-picker", "specs/tiny-gpt.loom");
      expect(await page.isVisible("#search")).toBe(false);
      expect(await items.count()).toBe(0);
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
