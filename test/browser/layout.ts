/**
 * What the browser tests check of the playground's layout, read from the DOM and from
 * screenshots: nothing overflows its panel, every diagram label sits inside its box, diagnostic
 * carets stand under the columns they point at, and stale banners are drawn.
 */
import type { Page } from "playwright-core";
import { PNG } from "pngjs";

/*
 * The DOM as the functions run in the page see it: the little they use, declared here because the
 * project's type check has no DOM library (src/ must not lean on it).
 */
interface Box {
  left: number;
  right: number;
}
interface Element {
  id: string;
  tagName: string;
  textContent: string | null;
  firstChild: unknown;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): Box;
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): Iterable<Element>;
}
interface Range {
  setStart(node: unknown, offset: number): void;
  setEnd(node: unknown, offset: number): void;
  getClientRects(): Iterable<Box>;
}
declare const document: Element & { documentElement: Element; createRange(): Range };
declare function getComputedStyle(element: Element): { whiteSpace: string };

/** Sub-pixel rounding allowed when comparing boxes. */
const SLACK = 0.5;

/** Each element that sticks out of its container, as "what: by how much"; empty when none does. */
export async function overflows(page: Page): Promise<string[]> {
  return page.evaluate((slack) => {
    const found: string[] = [];
    const inside = (what: string, inner: Box, outer: Box) => {
      const by = Math.max(outer.left - inner.left, inner.right - outer.right);
      if (by > slack) found.push(`${what}: ${by.toFixed(1)} px`);
    };
    const box = (e: Element) => e.getBoundingClientRect();
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth)
      found.push(`page: ${root.scrollWidth - root.clientWidth} px wider than the window`);
    for (const panel of document.querySelectorAll(".panel:not([hidden])")) {
      if (panel.scrollWidth > panel.clientWidth)
        found.push(`#${panel.id}: scrolls ${panel.scrollWidth - panel.clientWidth} px`);
      inside(`#${panel.id}`, box(panel), box(document.querySelector("main")!));
      for (const child of panel.querySelectorAll(":scope > *:not([hidden])"))
        inside(`#${panel.id} > ${child.id || child.tagName}`, box(child), box(panel));
    }
    const scroller = document.querySelector(".cm-scroller")!;
    const content = document.querySelector(".cm-content")!;
    if (content.scrollWidth > scroller.clientWidth + slack)
      found.push(`editor lines: ${content.scrollWidth - scroller.clientWidth} px past the editor`);
    const diagram = document.querySelector("#diagram")!;
    const svg = diagram.querySelector("svg")!;
    inside("diagram", box(svg), box(diagram));
    for (const frame of svg.querySelectorAll("rect.block"))
      inside("block frame", box(frame), box(svg));
    for (const node of svg.querySelectorAll("g.node, g.input")) {
      const rect = box(node.querySelector("rect")!);
      for (const text of node.querySelectorAll("text"))
        inside(`label "${text.textContent}"`, box(text), rect);
    }
    return found;
  }, SLACK);
}

/**
 * Whether each caret line of the diagnostics has its first `^` exactly under the same column of
 * the source line above it (the `NN |` line), measured on the rendered text, and on one line.
 */
export async function caretsAligned(page: Page): Promise<{ carets: number; misaligned: string[] }> {
  return page.evaluate((slack) => {
    const pre = document.querySelector("#diagnostics")!;
    const node = pre.firstChild;
    const text = pre.textContent ?? "";
    const lines = text.split("\n");
    const misaligned: string[] = [];
    let carets = 0;
    const rectsOf = (offset: number) => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      return [...range.getClientRects()];
    };
    let offset = 0;
    const starts = lines.map((line) => {
      const at = offset;
      offset += line.length + 1;
      return at;
    });
    lines.forEach((line, i) => {
      const column = line.indexOf("^");
      const source = [...lines.slice(0, i).keys()]
        .reverse()
        .find((j) => /^ *\d+ \|/.test(lines[j]!));
      if (column < 0 || source === undefined || !/^ *\|/.test(line)) return;
      carets++;
      const caret = rectsOf(starts[i]! + column);
      const under = rectsOf(starts[source]! + column);
      if (caret.length !== 1 || under.length !== 1)
        misaligned.push(`line ${i + 1}: the caret or its column spans several boxes (wrapped)`);
      else if (Math.abs(caret[0]!.left - under[0]!.left) > slack)
        misaligned.push(
          `line ${i + 1}: caret at x ${caret[0]!.left}, its column at ${under[0]!.left}`,
        );
    });
    if (getComputedStyle(pre).whiteSpace !== "pre") misaligned.push("#diagnostics wraps its lines");
    return { carets, misaligned };
  }, SLACK);
}

export type Rgb = [number, number, number];

/** The share of an image's pixels within `tolerance` of `colour` in every channel. */
export function shareOf(png: PNG, colour: Rgb, tolerance = 6): number {
  let near = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const close = colour.every((c, k) => Math.abs(png.data[i * 4 + k]! - c) <= tolerance);
    if (close) near++;
  }
  return near / (png.width * png.height);
}

/** A screenshot of what `selector` covers, decoded. */
export async function shot(page: Page, selector: string, path?: string): Promise<PNG> {
  const bytes = await page.locator(selector).screenshot(path ? { path } : {});
  return PNG.sync.read(bytes);
}

/** A full-page screenshot, decoded: as wide as the page's content, so wider than the window when it overflows. */
export async function pageShot(page: Page, path?: string): Promise<PNG> {
  const bytes = await page.screenshot({ fullPage: true, ...(path ? { path } : {}) });
  return PNG.sync.read(bytes);
}

/** The pixels of the columns [x0, x1) of an image, as an image. */
export function columns(png: PNG, x0: number, x1: number): PNG {
  const out = new PNG({ width: x1 - x0, height: png.height });
  for (let y = 0; y < png.height; y++)
    png.data.copy(out.data, y * out.width * 4, (y * png.width + x0) * 4, (y * png.width + x1) * 4);
  return out;
}
