import { sha256 as sha256Bytes } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * Lower-case hex SHA-256 of bytes or of a string's UTF-8. Pure JavaScript (@noble/hashes), so
 * bundles are written in Node and checked in a browser by the same synchronous code.
 */
export function sha256(data: Uint8Array | string): string {
  return bytesToHex(sha256Bytes(typeof data === "string" ? utf8ToBytes(data) : data));
}
