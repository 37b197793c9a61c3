// Tests of the policy editor's line marks and caret jumps.

import { render, screen } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it } from 'vitest';
import type { PolicyDiagnostic } from '../api/types';
import { PolicyEditor, type PolicyEditorHandle } from './PolicyEditor';

const text = 'apiVersion: praetor.dev/v1\nkind: Policy\nspec:\n  rules:\n    - name: x\n';
const diag: PolicyDiagnostic = { code: 'PV006', severity: 'ERROR', message: 'unknown field', file: 'org.yaml', line: 4, column: 3, path: 'spec.rules' };

describe('PolicyEditor', () => {
  it('marks the lines that carry diagnostics of its file only', () => {
    const { container } = render(
      <PolicyEditor id="ed" label="Policy" file="org.yaml" text={text} diagnostics={[diag, { ...diag, file: 'other.yaml', line: 2 }]} onChange={() => undefined} />,
    );
    const marked = [...container.querySelectorAll('.layer-line.line-error')].map((el) => el.getAttribute('data-line'));
    expect(marked).toEqual(['4']);
    const gutter = container.querySelector('.gutter-line.mark-error');
    expect(gutter?.getAttribute('title')).toBe('PV006: unknown field');
    expect(screen.getByLabelText('Policy')).toBeTruthy();
  });

  it('moves the caret to a diagnostic line and column', () => {
    const ref = createRef<PolicyEditorHandle>();
    render(<PolicyEditor ref={ref} id="ed" label="Policy" file="org.yaml" text={text} diagnostics={[diag]} onChange={() => undefined} />);
    ref.current!.goToLine(4, 3);
    const area = screen.getByLabelText('Policy') as HTMLTextAreaElement;
    expect(document.activeElement).toBe(area);
    expect(area.selectionStart).toBe(text.indexOf('  rules') + 2);
  });
});
