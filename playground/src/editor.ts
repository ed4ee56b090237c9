/**
 * The spec editor: CodeMirror 6 with Loom highlighting, the checker as its linter, and hover
 * and completion from the language server (language-client.ts) on the spec shown.
 */
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { loomHighlighting } from "./highlight.ts";

/** The language server's plugin for the spec shown, replaced when another spec is opened. */
const languageServer = new Compartment();

/**
 * An editor in `parent` that calls `check` with its text after each pause in typing. Long lines
 * wrap, so no part of a line hides past the panel's right edge.
 */
export function createEditor(
  parent: HTMLElement,
  check: (text: string) => readonly Diagnostic[],
): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        EditorView.lineWrapping,
        keymap.of([...defaultKeymap, ...historyKeymap]),
        loomHighlighting,
        lintGutter(),
        linter((view) => [...check(view.state.doc.toString())], { delay: 300 }),
        languageServer.of([]),
      ],
    }),
  });
}

/**
 * Shows a spec: replaces the editor's whole text and opens it on the language server with
 * `served` (languageServerFor the spec's path), closing the spec shown before.
 */
export function openSpec(view: EditorView, text: string, served: Extension): void {
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: text },
    effects: languageServer.reconfigure(served),
  });
}
