// Asking before something that cannot be taken back (rejecting a plan, removing a role
// binding, revoking a key, deleting anything): a native modal <dialog> that says what will
// happen, optionally asks for a reason (and refuses an empty one when it is required), and
// does the thing only on the explicit button. Escape and Cancel leave everything as it was;
// Cancel has the focus when there is no reason to type, so Enter pressed twice changes nothing.
//
// The dialog holds no <form> of its own: it is often rendered inside one (the members'
// passwords form), and a nested form would submit the outer one too.

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export interface ConfirmOptions {
  /** The question: "Revoke the key ci-deploy?" */
  title: string;
  /** What will happen, in words: who loses what, what stops working. */
  consequence: ReactNode;
  /** The button that does it: "Revoke key". */
  confirmLabel: string;
  /** Ask for a reason, recorded with the action. */
  reason?: { label: string; required?: boolean; initial?: string };
}

interface DialogProps extends ConfirmOptions {
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

/** The dialog itself, open while rendered. */
export function ConfirmDialog({ title, consequence, confirmLabel, reason, onConfirm, onCancel }: DialogProps) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState(reason?.initial ?? '');
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (!d || d.open) return;
    // A browser without modal dialogs (or a test DOM) still shows it, in place.
    if (typeof d.showModal === 'function') d.showModal();
    else d.setAttribute('open', '');
  }, []);
  const confirm = () => {
    if (reason?.required && text.trim() === '') {
      setRefused(true);
      return;
    }
    onConfirm(text.trim());
  };
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-what`}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      data-testid="confirm-dialog"
    >
      <div className="confirm-body">
        <h2 id={`${id}-title`} className="card-title">
          {title}
        </h2>
        <div id={`${id}-what`} className="confirm-consequence">
          {consequence}
        </div>
        {reason && (
          <div className="field">
            <label htmlFor={`${id}-reason`}>
              {reason.label}
              {reason.required ? ' (required)' : ' (optional)'}
            </label>
            <textarea
              id={`${id}-reason`}
              rows={3}
              maxLength={500}
              value={text}
              aria-invalid={refused || undefined}
              aria-describedby={refused ? `${id}-refused` : undefined}
              onChange={(e) => {
                setText(e.target.value);
                setRefused(false);
              }}
              autoFocus
            />
            {refused && (
              <p id={`${id}-refused`} className="error-text" role="alert">
                Give a reason: it is recorded with the decision and shown to the others.
              </p>
            )}
          </div>
        )}
        <div className="row confirm-actions">
          <button type="button" className="btn btn-ghost" onClick={onCancel} autoFocus={!reason}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={confirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}

interface ButtonProps extends ConfirmOptions {
  /** What the button says; the dialog asks before `onConfirm` runs. */
  children: ReactNode;
  onConfirm: (reason: string) => void;
  className?: string;
  disabled?: boolean;
  'aria-label'?: string;
}

/** A button that asks first. */
export function ConfirmButton({ children, onConfirm, className = 'btn btn-ghost', disabled, 'aria-label': label, ...options }: ButtonProps) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" className={className} disabled={disabled} aria-label={label} aria-haspopup="dialog" onClick={() => setAsking(true)}>
        {children}
      </button>
      {asking && (
        <ConfirmDialog
          {...options}
          onCancel={() => setAsking(false)}
          onConfirm={(reason) => {
            setAsking(false);
            onConfirm(reason);
          }}
        />
      )}
    </>
  );
}
