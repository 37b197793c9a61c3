// The end of a small form: its submit button (off while the form is being sent), a Cancel button
// when the form can be left, and the refusal that names no field, as an alert.

import type { ReactNode } from 'react';

interface FormActionsProps {
  /** The submit button's label. */
  submit: string;
  /** The submit button's look; plain unless told. */
  tone?: 'primary' | 'danger';
  busy: boolean;
  onCancel?: () => void;
  general: string | null;
  /** Shown between the buttons and the alert, such as a note that the form was sent. */
  children?: ReactNode;
}

export function FormActions({ submit, tone, busy, onCancel, general, children }: FormActionsProps) {
  return (
    <>
      <div className="row">
        <button type="submit" className={tone ? `btn btn-${tone}` : 'btn'} disabled={busy}>
          {submit}
        </button>
        {onCancel && (
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {children}
      {general && (
        <p className="notice tone-bad" role="alert">
          {general}
        </p>
      )}
    </>
  );
}
