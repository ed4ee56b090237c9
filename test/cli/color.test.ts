import { describe, expect, it } from "vitest";
import { wantsColor } from "../../src/cli/io.ts";

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe("colour follows the stream it is written to", () => {
  it("colours a terminal and not a pipe", () => {
    expect(wantsColor(tty, {})).toBe(true);
    expect(wantsColor(pipe, {})).toBe(false);
  });
  it("honours NO_COLOR (when not empty) and TERM=dumb", () => {
    expect(wantsColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor(tty, { NO_COLOR: "" })).toBe(true);
    expect(wantsColor(tty, { TERM: "dumb" })).toBe(false);
  });
  it("lets FORCE_COLOR force colour, or turn it off with 0, over NO_COLOR as Node does", () => {
    expect(wantsColor(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(wantsColor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(wantsColor(tty, { FORCE_COLOR: "0" })).toBe(false);
  });
});
