/**
 * The playground served by Vite on a free port and opened in headless Chromium with WebGPU
 * (SwiftShader when there is no GPU): what the browser tests and the screenshot script share.
 * `openChromiumPage` opens any other page the same way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";

/** Debian's chromium package: its SwiftShader gives pages a WebGPU adapter without a GPU. */
export const CHROMIUM = process.env["LOOM_CHROMIUM"] ?? "/usr/bin/chromium";

/** A page of headless Chromium with WebGPU, opened at a URL, and `close` to stop the browser. */
export interface ChromiumPage {
  page: Page;
  /** What the page printed to its console as errors, and uncaught exceptions. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts headless Chromium (WebGPU on, a fresh profile) and opens `url` in its first page. */
export async function openChromiumPage(
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<ChromiumPage> {
  const profile = mkdtempSync(join(tmpdir(), "loom-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: [
        "--no-sandbox",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-unsafe-webgpu",
      ],
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(
      `cannot start ${CHROMIUM} (apt-get install chromium, or set LOOM_CHROMIUM): ${(error as Error).message}`,
    );
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // A failed fetch is logged by the browser too; the page reports those itself.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      errors.push(m.text());
  });
  await page.goto(url);
  return {
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A running playground: the page, and `close` to stop the browser and the server. */
export interface Playground extends ChromiumPage {
  url: string;
}

export async function openPlayground(viewport = { width: 1500, height: 950 }): Promise<Playground> {
  const server: ViteDevServer = await createServer({
    configFile: "playground/vite.config.ts",
    server: { host: "127.0.0.1", port: 0 },
    logLevel: "error",
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("vite did not listen on a port");
  const url = `http://127.0.0.1:${address.port}/`;
  let opened: ChromiumPage;
  try {
    opened = await openChromiumPage(url, viewport);
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    url,
    page: opened.page,
    errors: opened.errors,
    close: async () => {
      await opened.close();
      await server.close();
    },
  };
}

/** Waits until the run panel settles in one of `states`; returns the state it reached. */
export async function waitForStatus(
  page: Page,
  states: string[],
  timeout = 240_000,
): Promise<string> {
  const selector = states.map((s) => `#run[data-status="${s}"]`).join(", ");
  await page.waitForSelector(selector, { timeout, state: "attached" });
  return (await page.getAttribute("#run", "data-status")) ?? "";
}
