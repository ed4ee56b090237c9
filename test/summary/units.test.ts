import { describe, expect, it } from "vitest";
import {
  groupDigits,
  humanBytes,
  humanCount,
  humanFlops,
} from "../../src/compiler/summary/units.ts";

describe("summary units", () => {
  it("formats counts, bytes and FLOPs with decimal prefixes", () => {
    expect(humanCount(124_439_808)).toBe("124.4 M");
    expect(humanCount(6_738_415_616)).toBe("6.7 B");
    expect(humanCount(512)).toBe("512");
    expect(humanCount(999_960)).toBe("1.0 M");
    expect(humanBytes(497_759_232)).toBe("497.8 MB");
    expect(humanBytes(0)).toBe("0 B");
    expect(humanFlops(284_812_800)).toBe("284.8 MFLOP");
  });

  it("groups the digits of exact figures", () => {
    expect(groupDigits(124_439_808)).toBe("124,439,808");
    expect(groupDigits(46_702_792_704)).toBe("46,702,792,704");
    expect(groupDigits(999)).toBe("999");
    expect(groupDigits(84_739.76)).toBe("84,739.8");
  });
});
