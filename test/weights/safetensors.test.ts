/** safetensors: round trips, the header format, every validation code, fuzzing. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../src/contracts/tensor.ts";
import {
  fromBf16Bits,
  fromF16Bits,
  toBf16Bits,
  toF16Bits,
} from "../../src/formats/weights/dtypes.ts";
import { loadWeights } from "../../src/formats/weights/load.ts";
import {
  decodeTensor,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
} from "../../src/formats/weights/safetensors.ts";
import {
  codes,
  craft,
  expectWellFormed,
  f32Bytes,
  rawFile,
  seededTensors,
  specIr,
} from "./helpers.ts";

const PATH = "weights/test.safetensors";

function sample(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ["a.weight", { shape: [2, 3], data: Float64Array.from([1, -2, 0.5, 65504, 2 ** -24, -0]) }],
    ["b.bias", { shape: [4], data: Float64Array.from([0.1, 1.00390625, 3.14159, -1e-3]) }],
    ["scalar", { shape: [], data: Float64Array.from([7]) }],
    ["empty", { shape: [0, 5], data: new Float64Array(0) }],
  ]);
}

describe("round trip", () => {
  it("f32: values come back rounded to float32, metadata kept", () => {
    const bytes = writeSafetensors(sample(), { dtype: "f32", metadata: { a: "1", "b c": "é" } });
    const read = readSafetensors(bytes, PATH);
    expect(read.diagnostics).toEqual([]);
    expect(read.metadata).toEqual({ a: "1", "b c": "é" });
    for (const [name, t] of sample()) {
      const back = read.tensors!.get(name)!;
      expect(back.shape).toEqual(t.shape);
      expect([...back.data]).toEqual([...t.data].map(Math.fround));
    }
  });

  it("f16: the bit patterns written are the hand-computed ones", () => {
    const bytes = writeSafetensors(
      new Map([["x", { shape: [5], data: Float64Array.from([1, 65504, 2 ** -24, 1e6, NaN]) }]]),
      { dtype: "f16" },
    );
    const { file } = parseSafetensors(bytes, PATH);
    const view = new DataView(bytes.buffer, file!.header.dataStart);
    expect([0, 1, 2, 3, 4].map((i) => view.getUint16(i * 2, true))).toEqual([
      0x3c00, 0x7bff, 0x0001, 0x7c00, 0x7e00,
    ]);
  });

  it("f16 and bf16: values come back as their rounding", () => {
    for (const [dtype, to, from] of [
      ["f16", toF16Bits, fromF16Bits],
      ["bf16", toBf16Bits, fromBf16Bits],
    ] as const) {
      const bytes = writeSafetensors(sample(), { dtype });
      const read = readSafetensors(bytes, PATH);
      expect(read.diagnostics).toEqual([]);
      for (const [name, t] of sample()) {
        expect([...read.tensors!.get(name)!.data]).toEqual([...t.data].map((v) => from(to(v))));
      }
    }
  });

  it("bf16 of 1.00390625 is written as 0x3F80 (ties to even)", () => {
    const bytes = writeSafetensors(
      new Map([["x", { shape: [1], data: Float64Array.from([1.00390625]) }]]),
      { dtype: "bf16" },
    );
    expect(new DataView(bytes.buffer).getUint16(bytes.length - 2, true)).toBe(0x3f80);
  });

  it("pads the header with spaces to 8 bytes and keeps the tensors in order", () => {
    for (let n = 1; n <= 9; n++) {
      const tensors = new Map([["t".repeat(n), { shape: [1], data: Float64Array.from([1]) }]]);
      const bytes = writeSafetensors(tensors);
      const length = new DataView(bytes.buffer).getUint32(0, true);
      expect(length % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
      expect(text).toMatch(/^\{.*\} *$/);
      expect(JSON.parse(text)).toEqual({
        ["t".repeat(n)]: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      });
    }
    const order = readSafetensors(writeSafetensors(sample()), PATH).tensors!;
    expect([...order.keys()]).toEqual([...sample().keys()]);
  });

  it("is deterministic: the same tensors give the same bytes", () => {
    const a = writeSafetensors(seededTensors([["w", [16, 8]]]), {
      dtype: "bf16",
      metadata: { k: "v" },
    });
    const b = writeSafetensors(seededTensors([["w", [16, 8]]]), {
      dtype: "bf16",
      metadata: { k: "v" },
    });
    expect(a).toEqual(b);
  });

  it("reads F64 tensors and names with integer-like keys in header order", () => {
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(0, Math.PI, true);
    new DataView(f64.buffer).setFloat64(8, -1 / 3, true);
    const bytes = rawFile([
      { name: "z", dtype: "F64", shape: [2], bytes: f64 },
      { name: "0", dtype: "F32", shape: [1], bytes: f32Bytes([2]) },
    ]);
    const read = readSafetensors(bytes, PATH);
    expect(read.diagnostics).toEqual([]);
    expect([...read.tensors!.get("z")!.data]).toEqual([Math.PI, -1 / 3]);
  });
});

/** The codes reported for a file, and that they are well formed. */
function problems(bytes: Uint8Array): string[] {
  const { diagnostics } = readSafetensors(bytes, PATH);
  expectWellFormed(diagnostics, PATH);
  return codes(diagnostics);
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({
  dtype,
  shape,
  data_offsets: offsets,
});

describe("validation: every problem is a diagnostic", () => {
  const cases: [string, () => Uint8Array, string[], RegExp?][] = [
    ["empty file", () => new Uint8Array(0), ["E0501"], /0 bytes, too short/],
    ["5-byte file", () => new Uint8Array(5), ["E0501"], /too short/],
    [
      "header length beyond the file",
      () => {
        const bytes = craft("{}");
        new DataView(bytes.buffer).setUint32(0, 1000, true);
        return bytes;
      },
      ["E0501"],
      /header length 1000 runs past the end of the file \(16 bytes\)/,
    ],
    [
      "header length above 2^32",
      () => {
        const bytes = craft("{}");
        new DataView(bytes.buffer).setUint32(4, 7, true);
        return bytes;
      },
      ["E0501"],
      /runs past the end/,
    ],
    ["header not JSON", () => craft("{not json"), ["E0501"], /not JSON/],
    [
      "header not UTF-8",
      () => craft('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)),
      ["E0501"],
      /UTF-8/,
    ],
    ["header an array", () => craft("[1, 2]"), ["E0501"], /must be a JSON object, found an array/],
    ["header null", () => craft("null"), ["E0501"], /found null/],
    [
      "entry not an object",
      () => craft(JSON.stringify({ w: 3 })),
      ["E0501"],
      /entry `w` must be an object/,
    ],
    [
      "entry without dtype",
      () => craft(JSON.stringify({ w: { shape: [1], data_offsets: [0, 4] } }), new Uint8Array(4)),
      ["E0501"],
      /`w` needs a `dtype` string, found nothing/,
    ],
    [
      "entry without shape",
      () => craft(JSON.stringify({ w: { dtype: "F32", data_offsets: [0, 4] } }), new Uint8Array(4)),
      ["E0501"],
      /needs a `shape`/,
    ],
    [
      "entry without data_offsets",
      () => craft(JSON.stringify({ w: { dtype: "F32", shape: [1] } })),
      ["E0501"],
      /needs `data_offsets`/,
    ],
    [
      "negative dim",
      () => craft(JSON.stringify({ w: entry("F32", [-1, 2], [0, 4]) }), new Uint8Array(4)),
      ["E0501"],
      /non-negative integers, found \[-1,2\]/,
    ],
    [
      "fractional dim",
      () => craft(JSON.stringify({ w: entry("F32", [1.5], [0, 4]) }), new Uint8Array(4)),
      ["E0501"],
      /found \[1.5\]/,
    ],
    [
      "metadata value not a string",
      () => craft(JSON.stringify({ __metadata__: { a: "x", n: 3 } })),
      ["E0501"],
      /`__metadata__` entry `n` must be a string, found number 3/,
    ],
    [
      "metadata not an object",
      () => craft(JSON.stringify({ __metadata__: ["x"] })),
      ["E0501"],
      /`__metadata__` must be an object of strings/,
    ],
    [
      "end before start",
      () => craft(JSON.stringify({ w: entry("F32", [1], [4, 0]) }), new Uint8Array(4)),
      ["E0502", "E0502"],
      /ends before it starts: data_offsets \[4, 0\]/,
    ],
    [
      "offsets beyond the data section",
      () => craft(JSON.stringify({ w: entry("F32", [4], [0, 16]) }), new Uint8Array(8)),
      ["E0502"],
      /outside the data section: data_offsets \[0, 16\], but the data section has 8 bytes/,
    ],
    [
      "overlapping tensors",
      () =>
        craft(
          JSON.stringify({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }),
          new Uint8Array(12),
        ),
      ["E0502"],
      /`a` \[0, 8\) and `b` \[4, 12\) overlap/,
    ],
    [
      "a hole between tensors",
      () =>
        craft(
          JSON.stringify({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }),
          new Uint8Array(12),
        ),
      ["E0502"],
      /bytes \[4, 8\) of the data section belong to no tensor/,
    ],
    [
      "trailing bytes",
      () => craft(JSON.stringify({ a: entry("F32", [1], [0, 4]) }), new Uint8Array(12)),
      ["E0502"],
      /last 8 bytes of the data section \(from 4 to 12\) belong to no tensor/,
    ],
    [
      "size not dtype × shape",
      () => craft(JSON.stringify({ w: entry("F16", [2, 3], [0, 8]) }), new Uint8Array(8)),
      ["E0503"],
      /`w` is F16\[2, 3\], which needs 12 bytes, but its data_offsets \[0, 8\] hold 8/,
    ],
    [
      "unknown dtype",
      () => craft(JSON.stringify({ w: entry("F4", [2], [0, 1]) }), new Uint8Array(1)),
      ["E0504"],
      /unknown dtype `F4`/,
    ],
    [
      "a known dtype Loom does not read",
      () => rawFile([{ name: "ids", dtype: "I64", shape: [2], bytes: new Uint8Array(16) }]),
      ["E0504"],
      /`ids` has dtype I64, which Loom does not read/,
    ],
  ];
  for (const [name, make, expected, message] of cases) {
    it(`${name}: ${expected.join(", ")}`, () => {
      const bytes = make();
      const { diagnostics } = readSafetensors(bytes, PATH);
      expectWellFormed(diagnostics, PATH);
      expect(codes(diagnostics)).toEqual(expected);
      if (message) expect(diagnostics.map((d) => d.message).join("\n")).toMatch(message);
      for (const d of diagnostics) expect(d.hint).toBeTruthy();
    });
  }

  it("a broken tensor does not hide the good ones", () => {
    const bytes = craft(
      JSON.stringify({ good: entry("F32", [1], [0, 4]), bad: entry("F32", [2], [4, 8]) }),
      f32Bytes([5, 6]),
    );
    const read = readSafetensors(bytes, PATH);
    expect(codes(read.diagnostics)).toEqual(["E0503"]);
    expect([...read.tensors!.keys()]).toEqual(["good"]);
  });

  it("decodeTensor reports an unreadable dtype instead of throwing", () => {
    const { file } = parseSafetensors(
      rawFile([{ name: "m", dtype: "BOOL", shape: [3], bytes: new Uint8Array(3) }]),
      PATH,
    );
    const { tensor, diagnostic } = decodeTensor(file!, file!.header.tensors[0]!);
    expect(tensor).toBeUndefined();
    expect(diagnostic?.code).toBe("E0504");
  });
});

describe("fuzzing: bad bytes never throw", () => {
  const ir = specIr("specs/tiny-sandwich.loom");
  const valid = writeSafetensors(
    seededTensors([
      ["a", [3, 4]],
      ["b", [5]],
      ["c", [2, 2, 2]],
    ]),
    {
      metadata: { model: "x" },
    },
  );

  const noThrow = (bytes: Uint8Array) => {
    const read = readSafetensors(bytes, PATH);
    expectWellFormed(read.diagnostics, PATH);
    const loaded = loadWeights(ir, PATH, bytes);
    expectWellFormed(loaded.diagnostics, PATH);
    expect(loaded.weights === undefined).toBe(
      loaded.diagnostics.some((d) => d.severity === "error"),
    );
  };

  it("every truncation of a valid file", () => {
    for (let n = 0; n < valid.length; n++) {
      const bytes = valid.slice(0, n);
      noThrow(bytes);
      expect(problems(bytes).length).toBeGreaterThan(0);
    }
  });

  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => noThrow(bytes)),
      { numRuns: 500, seed: 7 },
    );
  });

  it("random bytes after a plausible length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(130), (body, length) => {
        const bytes = new Uint8Array(8 + body.length);
        new DataView(bytes.buffer).setUint32(0, length, true);
        bytes.set(body, 8);
        noThrow(bytes);
      }),
      { numRuns: 500, seed: 8 },
    );
  });

  it("flipped bytes of a valid file", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (flips) => {
          const bytes = valid.slice();
          for (const [at, xor] of flips) bytes[at] = bytes[at]! ^ xor;
          noThrow(bytes);
        },
      ),
      { numRuns: 500, seed: 9 },
    );
  });

  it("mutated headers: any JSON in any field", () => {
    const header = {
      __metadata__: { model: "x" },
      a: entry("F32", [3, 4], [0, 48]),
      b: entry("F32", [5], [48, 68]),
    };
    const fields = [
      "__metadata__",
      "a",
      "b",
      "a.dtype",
      "a.shape",
      "a.data_offsets",
      "b.data_offsets",
      "b.shape",
      "new",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue(), (field, value) => {
        const copy = JSON.parse(JSON.stringify(header)) as Record<string, Record<string, unknown>>;
        const [key, sub] = field.split(".") as [string, string | undefined];
        if (sub) copy[key]![sub] = value;
        else copy[key] = value as Record<string, unknown>;
        noThrow(craft(JSON.stringify(copy), new Uint8Array(68)));
      }),
      { numRuns: 1000, seed: 10 },
    );
  });

  it("huge and odd numbers in offsets and shapes", () => {
    for (const odd of [
      2 ** 53,
      2 ** 60,
      -0,
      1e308,
      Number.MAX_SAFE_INTEGER,
      "3",
      null,
      true,
      [1],
    ]) {
      noThrow(craft(JSON.stringify({ a: entry("F32", [odd], [0, 4]) }), new Uint8Array(4)));
      noThrow(craft(JSON.stringify({ a: entry("F32", [1], [odd, 4]) }), new Uint8Array(4)));
      noThrow(craft(JSON.stringify({ a: entry("F32", [1], [0, odd]) }), new Uint8Array(4)));
    }
    noThrow(
      craft(
        JSON.stringify({ __proto__: entry("F32", [1], [0, 4]), constructor: 1 }),
        new Uint8Array(4),
      ),
    );
  });
});
