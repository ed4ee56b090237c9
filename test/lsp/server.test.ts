import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DocumentFormattingRequest,
  HoverRequest,
  RenameRequest,
  type CompletionItem,
  type Location,
  type MarkupContent,
  type WorkspaceEdit,
} from "vscode-languageserver-protocol/node";
import { LoomLspClient } from "./client.ts";

// Line and character numbers below are 0-based and counted by hand on these texts.
const BLOCKS = "block ffn(x, hidden) {\n  return mlp(x, hidden)\n}\n";
const SPEC = [
  'include "blocks.loom"',
  "",
  "model tiny {",
  "  dims { vocab = 100, d = 32, heads = 2 }",
  "  input tokens: int[batch, seq <= 16]",
  "  x = embed(tokens, vocab, d) as wte",
  "  x = x + attention(layernorm(x), heads, causal)",
  "  x = x + ffn(layernorm(x), 4 * d)",
  "  output logits = lm_head(layernorm(x), tied_to = wte)",
  "}",
  "",
].join("\n");
const BAD =
  "model bad {\n  dims { d = 32 }\n  input x: float[batch, seq, d]\n  output y = layrnorm(x)\n}\n";

const range = (line: number, start: number, end: number, endLine = line) => ({
  start: { line, character: start },
  end: { line: endLine, character: end },
});
const at = (line: number, character: number) => ({ line, character });

/** The section of docs/language.md (the language reference) that documents `layer`. */
function referenceSection(layer: string): string {
  const text = readFileSync("docs/language.md", "utf8");
  const start = text.indexOf(`### \`${layer}\``);
  const end = text.indexOf("\n\n### ", start);
  return text.slice(start, end).trimEnd();
}

describe("loom lsp, spoken to over stdio", () => {
  let client: LoomLspClient;
  let dir: string;
  let spec: string;
  let blocks: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "loom-lsp-"));
    writeFileSync(join(dir, "blocks.loom"), BLOCKS);
    writeFileSync(join(dir, "spec.loom"), SPEC);
    spec = pathToFileURL(join(dir, "spec.loom")).href;
    blocks = pathToFileURL(join(dir, "blocks.loom")).href;
    client = await LoomLspClient.start();
    await client.open(spec, SPEC);
  }, 30_000);

  afterAll(async () => {
    expect(await client.stop()).toBe(0);
  });

  it("publishes the checker's diagnostics with code, hint and range, and clears them when fixed", async () => {
    const bad = pathToFileURL(join(dir, "bad.loom")).href;
    await client.open(bad, BAD);
    const [diagnostic, ...rest] = await client.published(bad);
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({
      code: "E0203",
      severity: 1,
      source: "loom",
      range: range(3, 13, 21),
    });
    expect(diagnostic!.message).toContain("unknown layer `layrnorm`");
    expect(diagnostic!.message).toContain("hint: did you mean `layernorm`?");

    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: bad, version: 2 },
      contentChanges: [{ range: range(3, 13, 21), text: "layernorm" }],
    });
    expect(await client.published(bad, 2)).toEqual([]);
  });

  it("publishes no diagnostics for a clean spec", async () => {
    expect(await client.published(spec)).toEqual([]);
  });

  it("hovers a value with its shape, each static axis named by its dim", async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: spec },
      position: at(7, 2),
    });
    expect((hover!.contents as MarkupContent).value).toContain("x: float[batch, seq, d=32]");
    expect(hover!.range).toEqual(range(7, 2, 3));
    const dim = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri: spec },
      position: at(7, 32),
    });
    expect((dim!.contents as MarkupContent).value).toContain("d = 32");
  });

  it("goes to the definition of a dim, a value, a label, a block and an include", async () => {
    const definition = (position: { line: number; character: number }) =>
      client.connection.sendRequest(DefinitionRequest.type, {
        textDocument: { uri: spec },
        position,
      }) as Promise<Location>;
    expect(await definition(at(7, 32))).toEqual({ uri: spec, range: range(3, 22, 23) });
    // Each read of a rebound name goes to the binding it reads: the line above.
    expect(await definition(at(6, 30))).toEqual({ uri: spec, range: range(5, 2, 3) });
    expect(await definition(at(7, 24))).toEqual({ uri: spec, range: range(6, 2, 3) });
    expect(await definition(at(8, 51))).toEqual({ uri: spec, range: range(5, 33, 36) });
    expect(await definition(at(7, 11))).toEqual({ uri: blocks, range: range(0, 6, 9) });
    expect(await definition(at(0, 12))).toEqual({ uri: blocks, range: range(0, 0, 0) });
  });

  it("completes layer names with their reference docs, and a call's arguments", async () => {
    const complete = async (text: string, position: { line: number; character: number }) => {
      const uri = pathToFileURL(join(dir, `typing-${position.character}.loom`)).href;
      await client.open(uri, text);
      return (await client.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position,
      })) as CompletionItem[];
    };
    const layers = await complete("model m {\n  y = \n}\n", at(1, 6));
    const attention = layers.find((item) => item.label === "attention");
    expect((attention!.documentation as MarkupContent).value).toBe(referenceSection("attention"));
    expect(layers.map((item) => item.label)).toEqual(
      expect.arrayContaining(["embed", "layernorm", "rmsnorm", "mlp", "swiglu", "lm_head"]),
    );

    const inCall = await complete("model m {\n  y = attention(h, heads = 2, \n}\n", at(1, 29));
    const args = inCall.filter((item) => item.kind === 10).map((item) => item.label);
    // attention's parameters (docs/language.md) less `x` (given by `h`) and `heads` (by name).
    expect(args).toEqual([
      "kv_heads",
      "head_dim",
      "causal",
      "padding",
      "rope",
      "position_bias",
      "scale",
      "out",
      "bias",
      "alibi",
    ]);
    expect(inCall.find((item) => item.label === "causal")!.insertText).toBe("causal = ");
  });

  it("formats the document through the formatter", async () => {
    const uri = pathToFileURL(join(dir, "messy.loom")).href;
    await client.open(uri, "model m{x=f(a,b=c)}");
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, {
      textDocument: { uri },
      options: { tabSize: 4, insertSpaces: true },
    });
    expect(edits).toEqual([
      { range: range(0, 0, 19), newText: "model m {\n  x = f(a, b = c)\n}\n" },
    ]);
  });

  const rename = (position: { line: number; character: number }, newName: string) =>
    client.connection.sendRequest(RenameRequest.type, {
      textDocument: { uri: spec },
      position,
      newName,
    }) as Promise<WorkspaceEdit>;
  /** The edit that writes `newName` over the one-letter names at `places` ([line, character]). */
  const oneLetterEdits = (places: number[][], newName: string): WorkspaceEdit["changes"] => ({
    [spec]: places.map(([line, c]) => ({ range: range(line!, c!, c! + 1), newText: newName })),
  });

  it("renames a rebound value everywhere it is bound and read", async () => {
    const edit = await rename(at(6, 30), "h");
    const places = [
      [5, 2],
      [6, 2],
      [6, 6],
      [6, 30],
      [7, 2],
      [7, 6],
      [7, 24],
      [8, 36],
    ];
    expect(edit.changes).toEqual(oneLetterEdits(places, "h"));
  });

  it("renames a dim at its definition and every use", async () => {
    const edit = await rename(at(3, 22), "width");
    expect(edit.changes).toEqual(
      oneLetterEdits(
        [
          [3, 22],
          [5, 27],
          [7, 32],
        ],
        "width",
      ),
    );
  });

  it("refuses a rename to a keyword with the reason", async () => {
    await expect(rename(at(3, 22), "model")).rejects.toThrow(
      "`model` is not a name a spec can use",
    );
  });
});
