import { sha256 as sha256Bytes } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** The part of node:crypto used here. */
interface NodeCrypto {
  createHash(algorithm: "sha256"): {
    update(data: Uint8Array | string): { digest(encoding: "hex"): string };
  };
}

/**
 * Node's own crypto where the code runs in Node (20.16 and later have process.getBuiltinModule),
 * about ten times faster than JavaScript on a bundle's weights; undefined in a browser.
 */
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;

/**
 * Lower-case hex SHA-256 of bytes or of a string's UTF-8, computed synchronously in Node and in
 * browsers alike: by node:crypto in Node, by @noble/hashes (pure JavaScript) elsewhere, so a
 * bundle written in Node is checked in a browser by the same function.
 */
export function sha256(data: Uint8Array | string): string {
  if (nodeCrypto) return nodeCrypto.createHash("sha256").update(data).digest("hex");
  return bytesToHex(sha256Bytes(typeof data === "string" ? utf8ToBytes(data) : data));
}
