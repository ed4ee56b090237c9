import type { Tensor } from "../contracts/tensor.ts";

/**
 * A tensor as a NumPy .npy file (format 1.0, little-endian float32). Written here because the
 * npm packages for .npy only read the format; writing it is a header line and the raw values.
 */
export function encodeNpy(tensor: Tensor): Uint8Array {
  const shape =
    tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - prefix - 1, " ") + "\n";
  const bytes = new Uint8Array(prefix + header.length + tensor.data.length * 4);
  bytes.set([0x93, ...Array.from("NUMPY", (c) => c.charCodeAt(0)), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(
    Array.from(header, (c) => c.charCodeAt(0)),
    prefix,
  );
  const values = new DataView(bytes.buffer, prefix + header.length);
  tensor.data.forEach((v, i) => values.setFloat32(i * 4, v, true));
  return bytes;
}
