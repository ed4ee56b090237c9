/**
 * What the language server needs of where it runs: the files the editor has not opened (the
 * specs an open one includes), and how the editor's document URIs name the paths spans carry.
 * `loom lsp` reads the disk (src/lsp/stdio.ts); a page hands in its own files.
 */
export interface LanguageHost {
  /** The text of a file the editor has not opened; throws when there is none. */
  read(path: string): string;
  /** The path a document URI names. */
  uriToPath(uri: string): string;
  /** The document URI of a path. */
  pathToUri(path: string): string;
}
