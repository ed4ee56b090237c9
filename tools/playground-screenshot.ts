/**
 * Writes docs/playground.png: the playground in headless Chromium with the trained tiny GPT
 * compiled in the tab, a greedy continuation of "Call me" and an attention map of the prompt.
 * Run with `npm run playground:screenshot`.
 */
import { openPlayground, waitForStatus } from "./headless-playground.ts";

const OUT = "docs/playground.png";

const playground = await openPlayground({ width: 1440, height: 900 });
try {
  const { page } = playground;
  await page.waitForSelector("#diagram svg");
  await page.click("#compile");
  if ((await waitForStatus(page, ["ready", "error"])) !== "ready")
    throw new Error(`the model did not load: ${await page.textContent("#run-message")}`);
  await page.fill("#prompt", "Call me Ishmael. Some years ago");
  await page.fill("#max-tokens", "60");
  await page.click("#generate-button");
  if ((await waitForStatus(page, ["done", "error"])) !== "done")
    throw new Error(`generation failed: ${await page.textContent("#run-message")}`);
  await page.selectOption("#attention-layer", { index: 1 });
  await page.selectOption("#attention-head", { index: 2 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await playground.close();
}
