// Tests of the policy editor (CodeMirror in jsdom): its accessible name and read-only mode,
// diagnostics of its own file as lint marks at their line and column, caret jumps, typing
// reported through onChange, completion of schema keys, schema values and action and group
// names at the caret, and the hover's description.

import { acceptCompletion, currentCompletions, startCompletion } from '@codemirror/autocomplete';
import { forEachDiagnostic, type Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import { render, waitFor } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { PolicyDiagnostic } from '../api/types';
import { editorRoot, viewOf } from '../test/codemirror';
import { PolicyEditor, type PolicyEditorHandle } from './PolicyEditor';
import { keyHover, type EditorNames } from './policyEditorExtensions';

const text = 'apiVersion: praetor.dev/v1\nkind: Policy\nspec:\n  rules:\n    - name: x\n';
const diag: PolicyDiagnostic = { code: 'PV006', severity: 'ERROR', message: 'unknown field', file: 'org.yaml', line: 4, column: 3, path: 'spec.rules' };
const names: EditorNames = {
  actions: [
    { name: 'deploy.prod', detail: 'high', description: 'Deploys to production' },
    { name: 'deploy.staging', detail: 'low' },
  ],
  groups: [{ name: 'sre-leads' }],
};

function editor(props: Partial<Parameters<typeof PolicyEditor>[0]> = {}) {
  const onChange = vi.fn();
  const ref = createRef<PolicyEditorHandle>();
  const view = render(<PolicyEditor ref={ref} id="ed" label="Policy org.yaml" file="org.yaml" text={text} diagnostics={[]} names={names} onChange={onChange} {...props} />);
  return { ...view, ref, onChange, cm: viewOf(view.container) };
}

function diagnosticsOf(view: EditorView): Diagnostic[] {
  const out: Diagnostic[] = [];
  forEachDiagnostic(view.state, (d, from, to) => out.push({ ...d, from, to }));
  return out;
}

/** Types `insert` at the end of the document as a person would, then asks for completions. */
async function typeAndComplete(view: EditorView, insert: string): Promise<string[]> {
  const end = view.state.doc.length;
  view.dispatch({ changes: { from: end, insert }, selection: { anchor: end + insert.length }, userEvent: 'input.type' });
  startCompletion(view);
  await waitFor(() => expect(currentCompletions(view.state).length).toBeGreaterThan(0));
  return currentCompletions(view.state).map((c) => c.label);
}

describe('PolicyEditor', () => {
  it('names its text box, describes its keys, and is read only when asked', () => {
    const { container, rerender, ref, onChange } = editor();
    const root = editorRoot(container);
    const content = root.querySelector('.cm-content')!;
    expect(content.getAttribute('aria-label')).toBe('Policy org.yaml');
    expect(content.getAttribute('role')).toBe('textbox');
    expect(content.getAttribute('contenteditable')).toBe('true');
    // The description is in the same (shadow) root as the text box, where the reference resolves.
    expect(root.getElementById(content.getAttribute('aria-describedby')!)?.textContent).toContain('press Escape, then Tab');
    rerender(<PolicyEditor ref={ref} id="ed" label="Policy org.yaml" file="org.yaml" text={text} diagnostics={[]} readOnly onChange={onChange} />);
    expect(content.getAttribute('contenteditable')).toBe('false');
    expect(content.getAttribute('aria-readonly')).toBe('true');
    expect(root.getElementById('ed-help')?.textContent).toBe('Read only.');
  });

  it('marks the diagnostics of its own file at their line and column, with severity', () => {
    const warning: PolicyDiagnostic = { ...diag, code: 'PV101', severity: 'WARNING', message: 'matches no action', line: 5, column: 13, path: '' };
    const { container, cm } = editor({ diagnostics: [diag, warning, { ...diag, file: 'other.yaml', line: 2 }] });
    expect([...editorRoot(container).querySelectorAll('.cm-diag-line')].map((el) => [el.getAttribute('data-diag-line'), el.classList.contains('cm-diag-error')])).toEqual([
      ['4', true],
      ['5', false],
    ]);
    expect(editorRoot(container).querySelector('[data-diag-line="5"]')!.classList.contains('cm-diag-warning')).toBe(true);
    const marks = diagnosticsOf(cm);
    expect(marks.map((d) => [d.severity, d.source, d.message, cm.state.sliceDoc(d.from, d.to)])).toEqual([
      ['error', 'PV006', 'unknown field (spec.rules)', 'rules'],
      ['warning', 'PV101', 'matches no action', 'x'],
    ]);
    expect(marks[0]!.from).toBe(text.indexOf('rules'));
  });

  it('replaces its marks when the diagnostics change', () => {
    const { ref, rerender, onChange, container, cm } = editor({ diagnostics: [diag] });
    rerender(<PolicyEditor ref={ref} id="ed" label="Policy org.yaml" file="org.yaml" text={text} diagnostics={[]} onChange={onChange} />);
    expect(diagnosticsOf(cm)).toEqual([]);
    expect(editorRoot(container).querySelectorAll('.cm-diag-line')).toHaveLength(0);
  });

  it('moves the caret to a diagnostic line and column and focuses the text', () => {
    const { ref, cm } = editor({ diagnostics: [diag] });
    ref.current!.goToLine(4, 3);
    expect(cm.state.selection.main.head).toBe(text.indexOf('  rules') + 2);
    expect(cm.hasFocus).toBe(true);
    expect(editorRoot(document.body).activeElement).toBe(cm.contentDOM);
  });

  it('reports typing, and takes text from outside (Reset) without a report', () => {
    const { cm, onChange, rerender, ref } = editor();
    cm.dispatch({ changes: { from: cm.state.doc.length, insert: '    # x\n' }, userEvent: 'input.type' });
    expect(onChange).toHaveBeenLastCalledWith(`${text}    # x\n`);
    // The draft panel passes the typed text back, then the original on Reset.
    rerender(<PolicyEditor ref={ref} id="ed" label="Policy org.yaml" file="org.yaml" text={`${text}    # x\n`} diagnostics={[]} onChange={onChange} />);
    onChange.mockClear();
    rerender(<PolicyEditor ref={ref} id="ed" label="Policy org.yaml" file="org.yaml" text={text} diagnostics={[]} onChange={onChange} />);
    expect(cm.state.doc.toString()).toBe(text);
    expect(onChange.mock.calls.every(([t]) => t === text)).toBe(true);
  });

  it('keeps keys typed while an earlier text of its own comes back late', () => {
    const { cm, rerender, ref, onChange } = editor();
    const at = (insert: string) => cm.dispatch({ changes: { from: cm.state.doc.length, insert }, userEvent: 'input.type' });
    at('a');
    at('b');
    const props = { ref, id: 'ed', label: 'Policy org.yaml', file: 'org.yaml', diagnostics: [], onChange };
    // The parent renders with the first report only after the second key.
    rerender(<PolicyEditor {...props} text={`${text}a`} />);
    expect(cm.state.doc.toString()).toBe(`${text}ab`);
    rerender(<PolicyEditor {...props} text={`${text}ab`} />);
    expect(cm.state.doc.toString()).toBe(`${text}ab`);
    // A text it never reported is taken (Reset), even one it reported before everything settled.
    rerender(<PolicyEditor {...props} text={`${text}a`} />);
    expect(cm.state.doc.toString()).toBe(`${text}a`);
  });

  it('completes the keys the schema allows at the caret, less those present', async () => {
    const { cm, onChange } = editor();
    const labels = await typeAndComplete(cm, '      ');
    expect(labels).toEqual(['actions', 'effect', 'approvals', 'description', 'reason', 'when']);
    // The typed letters narrow it; accepting writes the key and its colon.
    cm.dispatch({ changes: { from: cm.state.doc.length, insert: 'eff' }, selection: { anchor: cm.state.doc.length + 3 }, userEvent: 'input.type' });
    startCompletion(cm);
    await waitFor(() => expect(currentCompletions(cm.state).map((c) => c.label)).toEqual(['effect']));
    // CodeMirror refuses to accept within its interaction delay (75 ms) of the list opening,
    // which a loaded machine can reach before the list is older than that: ask until it takes.
    await waitFor(() => expect(acceptCompletion(cm)).toBe(true));
    expect(cm.state.doc.toString()).toBe(`${text}      effect: `);
    expect(onChange).toHaveBeenLastCalledWith(`${text}      effect: `);
  });

  it('completes values: an enum after its key, action names in a rule’s actions, group names in a stage', async () => {
    expect(await typeAndComplete(editor().cm, '      effect: ')).toEqual(['allow', 'require_approval', 'deny']);
    const actions = editor().cm;
    expect(await typeAndComplete(actions, '      actions: [dep')).toEqual(['deploy.prod', 'deploy.staging']);
    expect(currentCompletions(actions.state)[0]).toMatchObject({ detail: 'high', info: 'Deploys to production' });
    expect(await typeAndComplete(editor().cm, '      approvals:\n        - group: ')).toEqual(['sre-leads']);
  });

  it('shows a key’s type and description on hover', () => {
    const { cm } = editor({ text: `${text}      when: params.env == "prod"\n` });
    const pos = cm.state.doc.toString().indexOf('when') + 2;
    const tip = keyHover(cm.state, pos)!;
    const dom = tip.create(cm).dom;
    expect(dom.querySelector('.policy-hover-title')!.textContent).toBe('when string');
    expect(dom.querySelector('p')!.textContent).toBe('A CEL condition over params, state, principal, plan, now and usage.');
    expect(dom.querySelectorAll('p code')).toHaveLength(6);
    expect(keyHover(cm.state, cm.state.doc.toString().indexOf('params.env'))).toBeNull();
  });
});
