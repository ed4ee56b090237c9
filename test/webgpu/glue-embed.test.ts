import { afterAll, describe, expect, it } from "vitest";
import {
  embedKernel,
  EMBED_STATUS_WORDS,
  type EmbedPositions,
  sinusoidalFrequencies,
} from "../../src/compiler/codegen/embed.ts";
import { clsTokenKernel, patchEmbedKernel } from "../../src/compiler/codegen/patch.ts";
import { clsPoolKernel, meanPoolKernel } from "../../src/compiler/codegen/pool.ts";
import type { Tensor } from "../../src/contracts/tensor.ts";
import {
  ErrorLog,
  TOLERANCE,
  LAYOUTS,
  glueDevice,
  maxRelError,
  randomF32,
  reference,
  run,
  tensorOf,
  u32s,
  uniform,
  WIDTHS,
} from "./glue-helpers.ts";

const device = await glueDevice();
const log = new ErrorLog();

/** The reference embedding: scale · embed(ids) + positions(x) at offset `past`. */
function referenceEmbed(
  ids: Uint32Array,
  table: Tensor,
  positions: EmbedPositions,
  posTable: Tensor | undefined,
  scale: number,
  batch: number,
  seq: number,
  past: number,
): Float64Array {
  const embedded = reference("embed", {}, { ids: tensorOf([batch, seq], ids) }, { weight: table });
  const scaled = reference("scale", { factor: scale }, { x: embedded });
  if (positions.kind === "none") return scaled.data;
  const op = positions.kind === "learned" ? "learned_positions" : "sinusoidal_positions";
  const attrs = positions.kind === "sinusoidal" ? { base: positions.base } : {};
  const weights: Record<string, Tensor> = posTable ? { weight: posTable } : {};
  const pos = reference(op, attrs, { x: scaled }, weights, past);
  return reference("add", {}, { a: scaled, b: pos }).data;
}

describe.skipIf(!device)("embedding, patch and pooling kernels vs the reference", () => {
  afterAll(() => log.report("embedding / patch / pool"));

  const VARIANTS: [EmbedPositions, number][] = [
    [{ kind: "none" }, 1],
    [{ kind: "learned", maxLen: 40 }, 1],
    [{ kind: "sinusoidal", base: 10000 }, 1],
    [{ kind: "sinusoidal", base: 10000 }, 2.5],
    [{ kind: "learned", maxLen: 40 }, Math.sqrt(96)],
  ];
  for (const [positions, scale] of VARIANTS) {
    it(`embed + ${positions.kind} positions, scale ${scale.toFixed(2)}`, async () => {
      const next = uniform(51);
      const vocab = 11;
      for (const d of WIDTHS) {
        const kernel = embedKernel({ vocab, d, positions, scale });
        const table = randomF32(vocab * d, () => next());
        const posTable =
          positions.kind === "learned" ? randomF32(positions.maxLen * d, () => next()) : undefined;
        for (const [batch, seq] of LAYOUTS) {
          for (const past of [0, 3]) {
            const rows = batch * seq;
            const ids = Uint32Array.from({ length: rows }, () => Math.floor(next(0, vocab)));
            const data = {
              ids,
              table,
              ...(posTable ? { positions: posTable } : {}),
              ...(positions.kind === "sinusoidal"
                ? { frequencies: sinusoidalFrequencies(d, positions.base) }
                : {}),
              out: new Float32Array(rows * d),
              status: new Uint32Array(EMBED_STATUS_WORDS),
            };
            const result = await run(kernel, data, { rows, seq, past });
            const want = referenceEmbed(
              ids,
              tensorOf([vocab, d], table),
              positions,
              posTable &&
                tensorOf([positions.kind === "learned" ? positions.maxLen : 0, d], posTable),
              scale,
              batch,
              seq,
              past,
            );
            expect(
              log.note(`embed ${positions.kind}`, maxRelError(result["out"]!, want)),
            ).toBeLessThanOrEqual(TOLERANCE);
            expect([...u32s(result["status"])]).toEqual([0, 0, 0, 0]);
          }
        }
      }
    });
  }

  it("sinusoidal positions stay accurate far out (past up to 60000)", async () => {
    const d = 96;
    const kernel = embedKernel({ vocab: 1, d, positions: { kind: "sinusoidal", base: 10000 } });
    for (const past of [1000, 4093, 30000, 60000]) {
      const seq = 5;
      const data = {
        ids: new Uint32Array(seq),
        table: new Float32Array(d),
        frequencies: sinusoidalFrequencies(d, 10000),
        out: new Float32Array(seq * d),
        status: new Uint32Array(4),
      };
      const result = await run(kernel, data, { rows: seq, seq, past });
      const x = tensorOf([1, seq, d], new Float64Array(seq * d));
      const want = reference("sinusoidal_positions", { base: 10000 }, { x }, {}, past).data;
      expect(log.note("sinusoidal far out", maxRelError(result["out"]!, want))).toBeLessThanOrEqual(
        2e-6,
      );
    }
  });

  it("out-of-range ids and positions read as zeros and are counted in status", async () => {
    const d = 7;
    const vocab = 5;
    const next = uniform(53);
    const kernel = embedKernel({ vocab, d, positions: { kind: "learned", maxLen: 4 } });
    const table = randomF32(vocab * d, () => next());
    const posTable = randomF32(4 * d, () => next());
    const ids = Uint32Array.from([0, 9, 4, 5, 2, 0xffffffff]); // batch 2, seq 3
    const data = {
      ids,
      table,
      positions: posTable,
      out: new Float32Array(6 * d),
      status: new Uint32Array(4),
    };
    const result = await run(kernel, data, { rows: 6, seq: 3, past: 2 }); // positions 2, 3, 4
    const out = result["out"]!;
    const status = [...u32s(result["status"])];
    expect(status).toEqual([3, 0xffffffff, 2, 4]);
    for (let r = 0; r < 6; r++) {
      const position = 2 + (r % 3);
      for (let c = 0; c < d; c++) {
        const id = ids[r]!;
        const e = id < vocab ? table[id * d + c]! : 0;
        const p = position < 4 ? posTable[position * d + c]! : 0;
        expect(out[r * d + c]).toBeCloseTo(e + p, 6);
      }
    }
  });

  const PATCHES: [number, number, number, number, number][] = [
    // channels, height, width, patch, d
    [3, 8, 8, 4, 7],
    [1, 14, 14, 7, 33],
    [2, 6, 9, 3, 1],
    [3, 8, 4, 2, 96],
    [5, 29, 29, 29, 7], // 4205 pixels per patch: too many for workgroup memory, read directly
  ];
  for (const [channels, height, width, patch, d] of PATCHES) {
    it(`patch_embed ${channels}×${height}×${width}, patch ${patch}, d ${d}`, async () => {
      const next = uniform(61);
      for (const bias of [true, false]) {
        const kernel = patchEmbedKernel({ channels, height, width, patch, d, bias });
        const weight = randomF32(d * channels * patch * patch, () => next(-0.2, 0.2));
        const b = bias ? randomF32(d, () => next()) : new Float32Array(d);
        for (const batch of [1, 3]) {
          const image = randomF32(batch * channels * height * width, () => next(0, 1));
          const patches = (height / patch) * (width / patch);
          const data = {
            image,
            weight,
            ...(bias ? { bias: b } : {}),
            out: new Float32Array(batch * patches * d),
          };
          const { out } = await run(kernel, data, { batch });
          const want = reference(
            "patch_embed",
            { patch },
            { image: tensorOf([batch, channels, height, width], image) },
            { weight: tensorOf([d, channels, patch, patch], weight), bias: tensorOf([d], b) },
          ).data;
          expect(log.note("patch_embed", maxRelError(out!, want))).toBeLessThanOrEqual(TOLERANCE);
        }
      }
      expect(patchEmbedKernel({ channels, height, width, patch, d }).workgroupStorageBytes).toBe(
        channels * patch * patch <= 4096 ? channels * patch * patch * 4 : 0,
      );
    });
  }

  it("cls_token prepend, with and without the position add", async () => {
    const next = uniform(67);
    for (const d of WIDTHS) {
      for (const positions of [false, true]) {
        const kernel = clsTokenKernel({ d, positions });
        const cls = randomF32(d, () => next());
        for (const [batch, seq] of LAYOUTS) {
          const x = randomF32(batch * seq * d, () => next());
          const posTable = randomF32((seq + 1) * d, () => next());
          const data = {
            x,
            cls,
            ...(positions ? { positions: posTable } : {}),
            out: new Float32Array(batch * (seq + 1) * d),
          };
          const { out } = await run(kernel, data, { batch, seq });
          let want = reference(
            "cls_token",
            {},
            { x: tensorOf([batch, seq, d], x) },
            { weight: tensorOf([1, 1, d], cls) },
          );
          if (positions)
            want = reference("add", {}, { a: want, b: tensorOf([seq + 1, d], posTable) });
          expect(log.note("cls_token", maxRelError(out!, want.data))).toBeLessThanOrEqual(
            TOLERANCE,
          );
        }
      }
    }
  });

  it("cls_pool and mean_pool (with padding, and a fully padded sequence)", async () => {
    const next = uniform(71);
    for (const d of WIDTHS) {
      const cls = clsPoolKernel({ d });
      const plain = meanPoolKernel({ d });
      const padded = meanPoolKernel({ d, padding: true });
      for (const [batch, seq] of LAYOUTS) {
        const x = randomF32(batch * seq * d, () => next(-3, 3));
        const mask = Uint32Array.from({ length: batch * seq }, (_, i) =>
          i % seq === 0 || next(0, 1) < 0.6 ? 1 : 0,
        );
        if (batch > 1) mask.fill(0, seq, 2 * seq); // sequence 1 is all padding: zeros
        const input = { x: tensorOf([batch, seq, d], x) };
        const out = () => new Float32Array(batch * d);
        const sizes = { batch, seq };
        const gotCls = await run(cls, { x, out: out() }, sizes);
        expect(maxRelError(gotCls["out"]!, reference("cls_pool", {}, input).data)).toBe(0);
        const gotMean = await run(plain, { x, out: out() }, sizes);
        const wantMean = reference("mean_pool", {}, input).data;
        expect(log.note("mean_pool", maxRelError(gotMean["out"]!, wantMean))).toBeLessThanOrEqual(
          TOLERANCE,
        );
        const gotPadded = await run(padded, { x, padding: mask, out: out() }, sizes);
        const wantPadded = reference(
          "mean_pool",
          {},
          { ...input, padding: tensorOf([batch, seq], mask) },
        ).data;
        expect(
          log.note("mean_pool padded", maxRelError(gotPadded["out"]!, wantPadded)),
        ).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});
