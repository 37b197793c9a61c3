// The second step of something that cannot be undone (deleting a webhook endpoint, a trigger, a
// schedule or an identity provider; rotating a trigger's secret): what happens, a button that
// does it, and "Keep", which has the focus, so Enter pressed twice changes nothing. Escape keeps
// too.

import type { KeyboardEvent, ReactNode } from 'react';

interface Props {
  /** The group's accessible name: "Confirm deleting …". */
  label: string;
  /** The button that does it: its text ("Really delete") and its accessible name, which names the thing. */
  action: string;
  actionLabel: string;
  tone?: 'bad' | 'warn';
  busy: boolean;
  onConfirm: () => void;
  onKeep: () => void;
  /** What happens, and what goes with it. */
  children: ReactNode;
}

export function Confirmation({ label, action, actionLabel, tone = 'bad', busy, onConfirm, onKeep, children }: Props) {
  const escape = (k: KeyboardEvent) => {
    if (k.key === 'Escape') onKeep();
  };
  return (
    <div className={`notice tone-${tone}`} role="group" aria-label={label} onKeyDown={escape}>
      {children}
      <div className="row">
        <button type="button" className="btn btn-danger" disabled={busy} aria-label={actionLabel} onClick={onConfirm}>
          {action}
        </button>
        <button type="button" className="btn btn-ghost" autoFocus onClick={onKeep}>
          Keep
        </button>
      </div>
    </div>
  );
}
