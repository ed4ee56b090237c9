/** SHA-256 against the published test vectors (FIPS 180-2, appendix B), strings and bytes. */
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/contracts/bundle/hash.ts";

describe("sha256", () => {
  it("gives the FIPS 180-2 digests", () => {
    expect(sha256("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(sha256(new Uint8Array(1_000_000).fill(0x61))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });

  it("hashes a view of a larger buffer by its own bytes, and a string by its UTF-8", () => {
    const whole = new TextEncoder().encode("xxabcyy");
    expect(sha256(whole.subarray(2, 5))).toBe(sha256("abc"));
    expect(sha256("é")).toBe(sha256(Uint8Array.of(0xc3, 0xa9)));
  });
});
