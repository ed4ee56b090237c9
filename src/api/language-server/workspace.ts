import type { TextDocuments } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { indexSpec, type AnalysedSpec, type SpecIndex } from "../language.ts";
import { Ranges } from "./convert.ts";
import type { LanguageHost } from "./host.ts";

/** One open spec checked at one version of the editor's text. */
export interface Analysis {
  path: string;
  spec: AnalysedSpec;
  index: SpecIndex;
  ranges: Ranges;
}

/**
 * The open specs and what the checker made of them. Files are read from the editor's text
 * when open there (unsaved edits count), else from the host; each version is checked once.
 */
export class Workspace {
  private readonly cache = new Map<string, { version: number; analysis: Analysis }>();

  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly host: LanguageHost,
  ) {}

  analysis(uri: string): Analysis | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const cached = this.cache.get(uri);
    if (cached?.version === document.version) return cached.analysis;
    const path = this.host.uriToPath(uri);
    const { spec, index } = indexSpec(path, (file) => this.read(file));
    const analysis = { path, spec, index, ranges: new Ranges(spec.sources) };
    this.cache.set(uri, { version: document.version, analysis });
    return analysis;
  }

  /** Drops every analysis: an edit to one file can change what the files including it mean. */
  changed(): void {
    this.cache.clear();
  }

  private read(path: string): string {
    const open = this.documents.all().find((d) => this.host.uriToPath(d.uri) === path);
    return open ? open.getText() : this.host.read(path);
  }
}
