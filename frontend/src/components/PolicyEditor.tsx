// A plain-text YAML editor with line numbers, where diagnostics mark their lines (gutter marker
// and line highlight, message on hover) and are listed below; choosing one moves the caret
// to its line. No editor library: a textarea over a highlight layer, scrolled together.

import { forwardRef, useImperativeHandle, useMemo, useRef, type UIEvent } from 'react';
import type { PolicyDiagnostic } from '../api/types';
import { byLine, lineOffset, worstSeverity } from '../lib/diagnostics';

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
  onChange: (text: string) => void;
}

export const PolicyEditor = forwardRef<PolicyEditorHandle, Props>(function PolicyEditor(
  { id, label, file, text, diagnostics, readOnly = false, onChange },
  ref,
) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const layer = useRef<HTMLDivElement>(null);
  const marks = useMemo(() => byLine(diagnostics, file), [diagnostics, file]);
  const lineCount = text.split('\n').length;

  useImperativeHandle(ref, () => ({
    goToLine(line: number, column = 1) {
      const el = area.current;
      if (!el) return;
      const at = Math.min(text.length, lineOffset(text, line) + Math.max(0, column - 1));
      el.focus();
      el.setSelectionRange(at, at);
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
      el.scrollTop = Math.max(0, (line - 3) * lineHeight);
    },
  }));

  const sync = (e: UIEvent<HTMLTextAreaElement>) => {
    const { scrollTop, scrollLeft } = e.currentTarget;
    if (gutter.current) gutter.current.scrollTop = scrollTop;
    if (layer.current) {
      layer.current.scrollTop = scrollTop;
      layer.current.scrollLeft = scrollLeft;
    }
  };

  const lines = Array.from({ length: lineCount }, (_, i) => i + 1);
  return (
    <div className="editor">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <div className="editor-gutter" ref={gutter} aria-hidden="true">
        {lines.map((n) => {
          const list = marks.get(n);
          return (
            <div key={n} className={list ? `gutter-line mark-${worstSeverity(list).toLowerCase()}` : 'gutter-line'} title={list?.map((d) => `${d.code}: ${d.message}`).join('\n')}>
              {list ? '●' : ''}
              {n}
            </div>
          );
        })}
      </div>
      <div className="editor-body">
        <div className="editor-layer" ref={layer} aria-hidden="true">
          {lines.map((n) => {
            const list = marks.get(n);
            return <div key={n} className={list ? `layer-line line-${worstSeverity(list).toLowerCase()}` : 'layer-line'} data-line={n} />;
          })}
        </div>
        <textarea
          id={id}
          ref={area}
          className="editor-text"
          value={text}
          readOnly={readOnly}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          wrap="off"
          onScroll={sync}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            // Tab indents (two spaces) instead of leaving the field; Escape then Tab leaves it.
            if (e.key === 'Tab' && !e.shiftKey && !readOnly && e.currentTarget.dataset.escaped !== '1') {
              e.preventDefault();
              const el = e.currentTarget;
              const { selectionStart: s, selectionEnd: end } = el;
              onChange(`${text.slice(0, s)}  ${text.slice(end)}`);
              requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
            } else if (e.key === 'Escape') {
              e.currentTarget.dataset.escaped = '1';
            } else {
              e.currentTarget.dataset.escaped = '';
            }
          }}
          aria-describedby={`${id}-help`}
        />
      </div>
      <p id={`${id}-help`} className="hint editor-help">
        Tab indents; press Escape, then Tab, to leave the editor.
      </p>
    </div>
  );
});
