/**
 * Where the playground's editor draws a word of its text, so a test can point the mouse at it
 * (hover) as a user would.
 */
import type { Page } from "playwright-core";

/* The DOM as the function run in the page sees it (the project's type check has no DOM library). */
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Node {
  textContent: string | null;
}
interface Element extends Node {
  querySelectorAll(selector: string): Iterable<Element>;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<Element>;
  createTreeWalker(root: Element, show: number): { nextNode(): Node | null };
  createRange(): {
    setStart(node: Node, offset: number): void;
    setEnd(node: Node, offset: number): void;
    getBoundingClientRect(): Rect;
  };
};
/** NodeFilter.SHOW_TEXT. */
const SHOW_TEXT = 4;

/**
 * The centre of the `nth` (0-based) `word` on the first editor line containing `line`, in page
 * coordinates; throws when there is no such word.
 */
export async function wordCentre(
  page: Page,
  line: string,
  word: string,
  nth = 0,
): Promise<{ x: number; y: number }> {
  const rect = await page.evaluate(
    ({ line, word, nth, SHOW_TEXT }) => {
      const element = [...document.querySelectorAll("#editor .cm-line")].find((l) =>
        l.textContent?.includes(line),
      );
      if (!element) return null;
      let at = -1;
      for (let i = 0; i <= nth; i++) at = element.textContent!.indexOf(word, at + 1);
      if (at < 0) return null;
      const walker = document.createTreeWalker(element, SHOW_TEXT);
      let start = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = node.textContent!.length;
        if (at < start + length) {
          const range = document.createRange();
          range.setStart(node, at - start);
          range.setEnd(node, at - start + word.length);
          const { x, y, width, height } = range.getBoundingClientRect();
          return { x, y, width, height };
        }
        start += length;
      }
      return null;
    },
    { line, word, nth, SHOW_TEXT },
  );
  if (!rect) throw new Error(`no "${word}" (#${nth}) on an editor line with "${line}"`);
  return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
}
