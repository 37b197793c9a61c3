// The policy YAML editor: CodeMirror 6 with YAML highlighting, line numbers, undo, completion of
// keys and values from the policy schema and of action and group names, hover docs from the
// schema, and the server's diagnostics as inline marks at their line and column (the list below
// the editor is the draft panel's). Choosing a diagnostic moves the caret to it (goToLine).
//
// The editor lives in a shadow root. CodeMirror injects its styles at run time: into a document
// it adds a <style> element, which the server's Content-Security-Policy (`style-src 'self'`, no
// inline styles) refuses; into a shadow root it adopts constructable style sheets, which the
// policy allows. So it gets a shadow root, with the editor's own look (policyEditorStyles.ts)
// adopted there the same way. Its description for assistive technology is inside the shadow
// root too, since `aria-describedby` does not reach across it.

import { autocompletion } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap } from '@codemirror/lint';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { PolicyDiagnostic } from '../api/types';
import { NO_NAMES, policyCompletions, policyHover, policyLint, showDiagnostics, type EditorNames } from './policyEditorExtensions';
import { EDITOR_CSS } from './policyEditorStyles';

const HELP = 'Ctrl+Space completes keys, values, actions and groups; hover a key for its meaning. Tab indents; press Escape, then Tab, to leave the editor.';
const READ_ONLY_HELP = 'Read only.';

/** The editor's style sheet, made once and adopted by every editor's shadow root. */
let sheet: CSSStyleSheet | null = null;
function adoptStyles(root: ShadowRoot) {
  // jsdom (unit tests) has no constructable style sheets; a browser that lacks them goes unstyled.
  if (!('adoptedStyleSheets' in root) || typeof CSSStyleSheet === 'undefined' || !('replaceSync' in CSSStyleSheet.prototype)) return;
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(EDITOR_CSS);
  }
  // (A remount, as React's strict mode does in development, finds it adopted already.)
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

export interface PolicyEditorHandle {
  goToLine: (line: number, column?: number) => void;
}

interface Props {
  id: string;
  label: string;
  file: string;
  text: string;
  diagnostics: PolicyDiagnostic[];
  readOnly?: boolean;
  /** Action and group names to complete (the schema cannot list them). */
  names?: EditorNames;
  onChange: (text: string) => void;
}

export const PolicyEditor = forwardRef<PolicyEditorHandle, Props>(function PolicyEditor(
  { id, label, file, text, diagnostics, readOnly = false, names = NO_NAMES, onChange },
  ref,
) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Read by the editor's callbacks, which are made once: always the latest props.
  const latest = useRef({ onChange, names });
  latest.current = { onChange, names };
  const describedBy = useRef<HTMLElement | null>(null);
  // Texts reported through onChange that have not yet come back as the `text` prop.
  const reported = useRef<string[]>([]);
  const access = useRef(new Compartment());
  const labels = useRef(new Compartment());

  const accessExtension = (ro: boolean): Extension => [EditorState.readOnly.of(ro), EditorView.editable.of(!ro)];
  const labelExtension = (l: string): Extension =>
    EditorView.contentAttributes.of({ id, 'aria-label': l, 'aria-describedby': `${id}-help`, ...(readOnly ? { 'aria-readonly': 'true' } : {}) });

  const newState = (doc: string): EditorState =>
    EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        yaml(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        autocompletion({ override: [policyCompletions(() => latest.current.names)], icons: false }),
        policyHover,
        lintGutter(),
        policyLint,
        // (autocompletion() brings its own keys, ahead of these.)
        keymap.of([...lintKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        access.current.of(accessExtension(readOnly)),
        labels.current.of(labelExtension(label)),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return;
          const now = u.state.doc.toString();
          reported.current.push(now);
          latest.current.onChange(now);
        }),
      ],
    });

  // The view is made once; a new file gets a new state (its own undo history).
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const root = el.shadowRoot ?? el.attachShadow({ mode: 'open' });
    adoptStyles(root);
    const help = document.createElement('span');
    help.id = `${id}-help`;
    help.className = 'visually-hidden';
    root.append(help);
    describedBy.current = help;
    const v = new EditorView({ state: newState(text), parent: root, root });
    view.current = v;
    return () => {
      v.destroy();
      help.remove();
      view.current = null;
    };
    // Made once: later props reach the view through the effects below.
  }, []);

  const shownFile = useRef(file);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    if (shownFile.current !== file) {
      shownFile.current = file;
      reported.current = [];
      v.setState(newState(text));
      return;
    }
    if (v.state.doc.toString() === text) {
      reported.current = [];
      return;
    }
    // A text this editor reported, coming back late: typing has gone on since. Taking it would
    // drop the keys typed meanwhile.
    if (reported.current.includes(text)) return;
    // Changed from outside (Reset): replace the text.
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  }, [file, text]);

  useEffect(() => {
    if (describedBy.current) describedBy.current.textContent = readOnly ? READ_ONLY_HELP : HELP;
    view.current?.dispatch({
      effects: [access.current.reconfigure(accessExtension(readOnly)), labels.current.reconfigure(labelExtension(label))],
    });
  }, [readOnly, label]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(showDiagnostics(v.state, diagnostics, file));
  }, [diagnostics, file]);

  useImperativeHandle(ref, () => ({
    goToLine(line: number, column = 1) {
      const v = view.current;
      if (!v) return;
      const l = v.state.doc.line(Math.min(Math.max(1, line), v.state.doc.lines));
      const at = l.from + Math.min(Math.max(0, column - 1), l.length);
      v.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
      v.focus();
    },
  }));

  return (
    <div className="editor" data-file={file}>
      <div ref={host} className="editor-host" data-testid="policy-editor" />
      {/* Shown to everyone; assistive technology reads the copy inside the shadow root. */}
      <p className="hint editor-help" aria-hidden="true">
        {readOnly ? READ_ONLY_HELP : HELP}
      </p>
    </div>
  );
});
