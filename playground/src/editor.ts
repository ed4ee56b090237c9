/** The spec editor: CodeMirror 6 with Loom highlighting and the checker as its linter. */
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { loomHighlighting } from "./highlight.ts";

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
      ],
    }),
  });
}

/** Replaces the editor's whole text (a new spec picked). */
export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
