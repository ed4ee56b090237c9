import {
  CompletionItemKind,
  ErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CompletionItem,
  type Connection,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { formatSpec } from "../format.ts";
import { completeAt, type CompletionEntry } from "../language.ts";
import { toLspDiagnostic } from "./convert.ts";
import type { LanguageHost } from "./host.ts";
import { Workspace } from "./workspace.ts";

const ITEM_KIND: Record<CompletionEntry["kind"], CompletionItemKind> = {
  layer: CompletionItemKind.Function,
  block: CompletionItemKind.Module,
  argument: CompletionItemKind.Property,
  option: CompletionItemKind.EnumMember,
  value: CompletionItemKind.Variable,
  dim: CompletionItemKind.Constant,
};

/**
 * Serves the Loom language on `connection`: the checker's diagnostics as the text changes,
 * hover (shapes, dims, layer docs), go to definition, completion, formatting and rename. Any
 * transport will do (stdio for `loom lsp`, a Web Worker's messages in a page); `host` gives the
 * files the editor has not opened.
 */
export function serveLanguage(connection: Connection, host: LanguageHost): void {
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace(documents, host);
  /** For each open spec, the files its last diagnostics were published to (to clear them). */
  const published = new Map<string, Set<string>>();

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      completionProvider: { triggerCharacters: ["(", ",", "="] },
      documentFormattingProvider: true,
      renameProvider: true,
    },
    serverInfo: { name: "loom" },
  }));

  const publish = (uri: string): void => {
    const analysis = workspace.analysis(uri);
    if (!analysis) return;
    const byFile = new Map<string, ReturnType<typeof toLspDiagnostic>[]>([[uri, []]]);
    for (const d of analysis.spec.diagnostics) {
      const file = host.pathToUri(d.span.file);
      byFile.set(file, [
        ...(byFile.get(file) ?? []),
        toLspDiagnostic(d, analysis.ranges, (path) => host.pathToUri(path)),
      ]);
    }
    for (const stale of published.get(uri) ?? []) {
      if (!byFile.has(stale)) void connection.sendDiagnostics({ uri: stale, diagnostics: [] });
    }
    published.set(uri, new Set(byFile.keys()));
    for (const [file, diagnostics] of byFile)
      void connection.sendDiagnostics({ uri: file, diagnostics });
  };

  documents.onDidChangeContent(() => {
    workspace.changed();
    for (const document of documents.all()) publish(document.uri);
  });
  documents.onDidClose(({ document }) => {
    workspace.changed();
    for (const file of published.get(document.uri) ?? [])
      void connection.sendDiagnostics({ uri: file, diagnostics: [] });
    published.delete(document.uri);
  });

  const at = (uri: string, position: { line: number; character: number }) => {
    const analysis = workspace.analysis(uri);
    const document = documents.get(uri);
    if (!analysis || !document) return undefined;
    return { analysis, document, offset: document.offsetAt(position) };
  };

  connection.onHover(({ textDocument, position }) => {
    const found = at(textDocument.uri, position);
    const hover = found?.analysis.index.hover(found.analysis.path, found.offset);
    if (!found || !hover) return null;
    return {
      contents: { kind: "markdown", value: hover.markdown },
      range: found.analysis.ranges.range(hover.span),
    };
  });

  connection.onDefinition(({ textDocument, position }) => {
    const found = at(textDocument.uri, position);
    const span = found?.analysis.index.definition(found.analysis.path, found.offset);
    if (!found || !span) return null;
    return { uri: host.pathToUri(span.file), range: found.analysis.ranges.range(span) };
  });

  connection.onCompletion(({ textDocument, position }): CompletionItem[] => {
    const found = at(textDocument.uri, position);
    if (!found) return [];
    const text = found.document.getText();
    return completeAt(text, found.offset, found.analysis.spec.loaded.blocks).map((entry, i) => ({
      label: entry.label,
      kind: ITEM_KIND[entry.kind],
      detail: entry.detail,
      documentation: { kind: "markdown", value: entry.documentation },
      insertText: entry.insertText,
      sortText: String(i).padStart(4, "0"),
    }));
  });

  connection.onDocumentFormatting(async ({ textDocument }): Promise<TextEdit[] | null> => {
    const document = documents.get(textDocument.uri);
    if (!document) return null;
    const text = document.getText();
    const result = await formatSpec(text, host.uriToPath(textDocument.uri));
    if (!result.ok || result.formatted === text) return [];
    const end = document.positionAt(text.length);
    return [{ range: { start: { line: 0, character: 0 }, end }, newText: result.formatted }];
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const found = at(textDocument.uri, position);
    if (!found) return null;
    const result = found.analysis.index.rename(found.analysis.path, found.offset, newName);
    if (!result.ok) return new ResponseError<void>(ErrorCodes.InvalidRequest, result.reason);
    const changes: WorkspaceEdit["changes"] = {};
    for (const span of result.spans) {
      const uri = host.pathToUri(span.file);
      (changes[uri] ??= []).push({ range: found.analysis.ranges.range(span), newText: newName });
    }
    return { changes };
  });

  documents.listen(connection);
  connection.listen();
}
