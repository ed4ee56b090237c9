/**
 * ViT input kernels: patch_embed as a direct convolution over non-overlapping patches (one
 * workgroup per (patch, image), the patch's pixels staged in workgroup memory), and the [CLS]
 * token prepend, optionally fused with the learned position add.
 */

import type { Kernel } from "../../contracts/kernel.ts";
import {
  constU32,
  declareBindings,
  flatPrelude,
  rowWorkgroupSize,
  type StorageDecl,
  flatKernel,
} from "./elementwise-wgsl.ts";

export interface PatchEmbedOptions {
  /** Image channels C. */
  channels: number;
  /** Image height H and width W, multiples of `patch`. */
  height: number;
  width: number;
  /** Side p of a square patch (the conv's kernel size and stride). */
  patch: number;
  /** Model width D (the conv's output channels). */
  d: number;
  /** Whether there is a `bias` [d] (default true, as in the reference). */
  bias?: boolean;
}

/** Workgroup memory available for staging a patch (of the 16 KiB WebGPU guarantees). */
const PIXEL_CACHE_BYTES = 16384;

/**
 * patch_embed: out[b, p, o] = bias[o] + Σ_{c,y,x} image[b, c, top(p)+y, left(p)+x] · weight[o, c, y, x],
 * patches in row-major order over the (H/p) × (W/p) grid.
 * Bindings: params {batch}, image [batch, C, H, W] (read), weight [D, C, p, p] (read), bias [D]
 * (read, when bias), out [batch · patches, D] (read_write).
 * Dispatch: (patches, batch, 1) workgroups. The C·p·p pixels of a patch are staged in workgroup
 * memory when they fit in 16 KiB (C·p·p ≤ 4096), else read from the image directly.
 */
export function patchEmbedKernel(options: PatchEmbedOptions): Kernel {
  const { channels, height, width, patch, d } = options;
  for (const [what, n] of Object.entries({ channels, height, width, patch, d })) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`patch_embed ${what} must be ≥ 1, got ${n}`);
  }
  if (height % patch !== 0 || width % patch !== 0)
    throw new RangeError(`patch ${patch} must divide the image ${height}×${width}`);
  const bias = options.bias !== false;
  const across = width / patch;
  const patches = (height / patch) * across;
  const pixels = channels * patch * patch;
  const cached = pixels * 4 <= PIXEL_CACHE_BYTES;
  const wg = rowWorkgroupSize(d);
  const params = [{ name: "batch", value: "batch" }];
  const storage: StorageDecl[] = [
    { name: "image", access: "read", type: "f32", doc: "[batch, C, H, W] images" },
    { name: "weight", access: "read", type: "f32", doc: "[D, C, PS, PS] conv weight" },
  ];
  if (bias) storage.push({ name: "bias", access: "read", type: "f32", doc: "[D] conv bias" });
  storage.push({
    name: "out",
    access: "read_write",
    type: "f32",
    doc: "[batch * PATCHES, D] patch embeddings",
  });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const pixelAt = (k: string) =>
    `image[((b * C + ${k} / (PS * PS)) * H + top + (${k} % (PS * PS)) / PS) * W + left + ${k} % PS]`;
  const name = `patch_embed_c${channels}_${height}x${width}_p${patch}_d${d}${bias ? "" : "_nobias"}`;
  const wgsl = `// ${name}: a PS x PS, stride PS convolution of [batch, C, H, W] images to [batch * PATCHES, D].
${constU32("C", channels, "image channels")}
${constU32("H", height, "image height")}
${constU32("W", width, "image width")}
${constU32("PS", patch, "patch side (kernel size and stride)")}
${constU32("D", d, "model width: output channels")}
${constU32("ACROSS", across, "W / PS: patches per row of the grid")}
${constU32("PATCHES", patches, "(H / PS) * (W / PS): patches per image")}
${constU32("PIX", pixels, "C * PS * PS: pixels per patch, one dot product's length")}
${constU32("WG", wg, "threads per workgroup; one workgroup per (patch, image), outputs strided")}

${decls}${cached ? "// the current patch's pixels, in weight order (c, y, x)\nvar<workgroup> pixels: array<f32, PIX>;\n" : ""}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let p = group.x;
  let b = group.y;
  if (b >= params.batch) {
    return;
  }
  let top = (p / ACROSS) * PS;
  let left = (p % ACROSS) * PS;
${
  cached
    ? `  for (var k = tid; k < PIX; k += WG) {
    pixels[k] = ${pixelAt("k")};
  }
  workgroupBarrier();`
    : "  // the patch does not fit in workgroup memory: read pixels from the image"
}
  for (var o = tid; o < D; o += WG) {
    var acc = ${bias ? "bias[o]" : "0.0"};
    for (var k = 0u; k < PIX; k++) {
      acc += ${cached ? "pixels[k]" : pixelAt("k")} * weight[o * PIX + k];
    }
    out[(b * PATCHES + p) * D + o] = acc;
  }
}
`;
  return {
    name,
    wgsl,
    entryPoint: "main",
    bindings,
    workgroupSize: [wg, 1, 1],
    workgroupStorageBytes: cached ? pixels * 4 : 0,
    dispatch: [patches, { expr: "batch", divisor: 1 }, 1],
    params,
  };
}

export interface ClsTokenOptions {
  /** Model width. */
  d: number;
  /** Also add learned positions [seq + 1, d] (row 0 for [CLS]), fusing ViT's position add. */
  positions?: boolean;
}

/**
 * cls_token: out[b, 0] = cls, out[b, 1 + s] = x[b, s] (+ positions[row] when positions).
 * Bindings: params {batch, seq} (seq: tokens before the prepend), x [batch · seq, d] (read),
 * cls [d] (read), positions [seq + 1, d] (read, when positions), out [batch · (seq + 1), d]
 * (read_write). Dispatch: ceil(d · batch · (seq + 1) / 1024) workgroups.
 */
export function clsTokenKernel(options: ClsTokenOptions): Kernel {
  const { d } = options;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`cls_token width must be ≥ 1, got ${d}`);
  const params = [
    { name: "batch", value: "batch" },
    { name: "seq", value: "seq" },
  ];
  const storage: StorageDecl[] = [
    { name: "x", access: "read", type: "f32", doc: "[batch * seq, D] tokens" },
    { name: "cls", access: "read", type: "f32", doc: "[D] the [CLS] embedding" },
  ];
  if (options.positions)
    storage.push({ name: "positions", access: "read", type: "f32", doc: "[seq + 1, D] positions" });
  storage.push({ name: "out", access: "read_write", type: "f32", doc: "[batch * (seq + 1), D]" });
  const { bindings, wgsl: decls } = declareBindings(params, storage);
  const name = `cls_token_d${d}${options.positions ? "_positions" : ""}`;
  const wgsl = `// ${name}: prepends [CLS] to each sequence${options.positions ? " and adds learned positions" : ""}.
${constU32("D", d, "model width")}
${flatPrelude().join("\n")}

${decls}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let len = params.seq + 1u; // tokens per sequence after the prepend
  let count = params.batch * len * D;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = group.x * BLOCK + k * WG + tid;
    if (i < count) {
      let r = i / D; // output row: b * len + s
      let c = i % D;
      let b = r / len;
      let s = r % len;
      var value: f32;
      if (s == 0u) {
        value = cls[c];
      } else {
        value = x[(b * params.seq + s - 1u) * D + c];
      }
      out[i] = value${options.positions ? " + positions[s * D + c]" : ""};
    }
  }
}
`;
  return flatKernel(name, wgsl, bindings, params, `${d} * batch * (seq + 1)`);
}
