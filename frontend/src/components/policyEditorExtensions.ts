// What the policy editor adds to CodeMirror: completion of keys and values from the policy
// schema at the caret's YAML path, and of action and group names where a field names them (the
// names come from the server, through `names`); a hover with a key's type and description; and
// the server's diagnostics as lint marks (underline, gutter marker, message on hover) plus a line
// class with the line's number, so a marked line can be found in the page.

import type { Completion, CompletionContext, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { StateEffect, StateField, type EditorState, type Extension, type TransactionSpec } from '@codemirror/state';
import { Decoration, EditorView, hoverTooltip, type DecorationSet, type Tooltip } from '@codemirror/view';
import type { PolicyDiagnostic, Severity } from '../api/types';
import { byLine, worstSeverity } from '../lib/diagnostics';
import { describeAt, keysAt, nameSourceAt, valuesAt } from '../lib/policySchema';
import { yamlContext } from '../lib/yamlContext';

/** A name offered where a field names an action or a group, with what to show beside it. */
export interface NameOption {
  name: string;
  detail?: string;
  description?: string;
}

export interface EditorNames {
  actions: NameOption[];
  groups: NameOption[];
}

export const NO_NAMES: EditorNames = { actions: [], groups: [] };

const WORD = /^[\w.$*-]*$/;

/**
 * Completions at the caret: keys the schema allows in the mapping there (less those it has),
 * values the schema lists, and action or group names. Keys need a typed letter (or Ctrl+Space);
 * values open after `key: ` by themselves.
 */
export function policyCompletions(names: () => EditorNames): CompletionSource {
  return (ctx: CompletionContext): CompletionResult | null => {
    const c = yamlContext(ctx.state.doc.toString(), ctx.pos);
    if (!c) return null;
    if (!ctx.explicit && c.at !== 'value' && c.prefix === '') return null;
    const options: Completion[] = [];
    if (c.at === 'key' || c.at === 'item') {
      for (const k of keysAt(c.path, c.kind)) {
        if (c.siblings.includes(k.name)) continue;
        options.push({
          label: k.name,
          type: 'property',
          detail: k.required ? `${k.type}, required` : k.type,
          info: k.description ?? undefined,
          apply: `${k.name}: `,
          boost: k.required ? 1 : 0,
        });
      }
    }
    if (c.at === 'value' || c.at === 'item') {
      // In the schema's order (least to most permissive effects, say), not alphabetical.
      valuesAt(c.path, c.kind).forEach((v, i) => options.push({ label: v.value, type: 'enum', info: v.description ?? undefined, boost: 50 - i }));
      const source = nameSourceAt(c.path, c.kind);
      const list = source === 'action' ? names().actions : source === 'group' ? names().groups : [];
      for (const n of list) {
        options.push({ label: n.name, type: source === 'action' ? 'function' : 'variable', detail: n.detail, info: n.description || undefined });
      }
    }
    if (options.length === 0) return null;
    const spaced = c.space ? options.map((o) => ({ ...o, apply: ` ${typeof o.apply === 'string' ? o.apply : o.label}` })) : options;
    return { from: ctx.pos - c.prefix.length, options: spaced, validFor: WORD };
  };
}

/** A description with `code` spans, as DOM (text only: nothing is parsed as HTML). */
function describe(text: string): HTMLElement {
  const p = document.createElement('p');
  text.split('`').forEach((part, i) => {
    if (i % 2 === 1) {
      const code = document.createElement('code');
      code.textContent = part;
      p.append(code);
    } else p.append(part);
  });
  return p;
}

const KEY_AT_LINE = /^(\s*(?:-\s+)*)([A-Za-z_$][\w.$-]*)\s*:/;

/** The hover over a key: its path's type and the schema's description. */
export function keyHover(state: EditorState, pos: number): Tooltip | null {
  const line = state.doc.lineAt(pos);
  const m = KEY_AT_LINE.exec(line.text);
  if (!m) return null;
  const from = line.from + m[1]!.length;
  const to = from + m[2]!.length;
  if (pos < from || pos > to) return null;
  const c = yamlContext(state.doc.toString(), to);
  if (!c || c.at === 'value') return null;
  const about = describeAt([...c.path, m[2]!], c.kind);
  if (!about) return null;
  return {
    pos: from,
    end: to,
    above: true,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'policy-hover';
      const title = document.createElement('div');
      title.className = 'policy-hover-title';
      const key = document.createElement('code');
      key.textContent = m[2]!;
      title.append(key, ` ${about.type}`);
      dom.append(title);
      if (about.description) dom.append(describe(about.description));
      return { dom };
    },
  };
}

export const policyHover: Extension = hoverTooltip((view, pos) => keyHover(view.state, pos), { hoverTime: 300 });

const SEVERITY: Record<Severity, Diagnostic['severity']> = { ERROR: 'error', WARNING: 'warning', INFO: 'info' };

/** The server's diagnostics of `file` as CodeMirror's, placed at their line and column in `state`. */
export function lintDiagnostics(state: EditorState, diagnostics: PolicyDiagnostic[], file: string): Diagnostic[] {
  const doc = state.doc;
  const out: Diagnostic[] = [];
  for (const [n, list] of byLine(diagnostics, file)) {
    // The text may have changed since it was validated: a line past the end marks the last.
    const line = doc.line(Math.min(n, doc.lines));
    for (const d of list) {
      const from = line.from + Math.min(Math.max(0, d.column - 1), line.length);
      // Underline the word that starts at the column, else the rest of the line.
      const word = /^[^\s:,[\]{}]+/.exec(doc.sliceString(from, line.to));
      const to = word ? from + word[0].length : line.to;
      out.push({ from, to, severity: SEVERITY[d.severity], source: d.code, message: d.path ? `${d.message} (${d.path})` : d.message });
    }
  }
  return out;
}

const setLineMarks = StateEffect.define<DecorationSet>();

/** Lines that carry diagnostics, with a class by the worst severity and the line's number. */
const lineMarks = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) if (e.is(setLineMarks)) return e.value;
    return marks.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

export const policyLint: Extension = lineMarks;

/** The transaction that shows `diagnostics` of `file` in the editor (replacing those shown). */
export function showDiagnostics(state: EditorState, diagnostics: PolicyDiagnostic[], file: string): TransactionSpec {
  const marks = [...byLine(diagnostics, file)]
    .map(([n, list]) => [Math.min(n, state.doc.lines), list] as const)
    .sort((a, b) => a[0] - b[0])
    .filter(([n], i, all) => i === 0 || all[i - 1]![0] !== n)
    .map(([n, list]) =>
      Decoration.line({
        class: `cm-diag-line cm-diag-${worstSeverity(list).toLowerCase()}`,
        attributes: { 'data-diag-line': String(n) },
      }).range(state.doc.line(n).from),
    );
  const lint = setDiagnostics(state, lintDiagnostics(state, diagnostics, file));
  const effects = Array.isArray(lint.effects) ? lint.effects : lint.effects ? [lint.effects] : [];
  return { effects: [...effects, setLineMarks.of(Decoration.set(marks))] };
}
