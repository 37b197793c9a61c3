// A notice after something was removed that can be put back for a while: what was done, an Undo
// button, and how long is left, counting down each second; at zero it is gone. It is a polite
// live region that is announced once: the ticking countdown is hidden from screen readers
// (announcing it every second would drown everything else), which hear "for a minute" instead.
//
// The Undo button takes the focus when the notice appears: what had it (the removed row's
// button) is gone with the row, and undoing is the one thing a keyboard user may want next.

import { type ReactNode, useEffect, useLayoutEffect, useRef } from 'react';
import { formatCountdown } from '../lib/time';
import { useNow } from './Time';

export function UndoNotice({
  children,
  until,
  onUndo,
  onExpired,
  busy = false,
  testId,
}: {
  /** What was done: "Removed viewer from bob@example.com in the project web." */
  children: ReactNode;
  /** When Undo stops being offered (an ISO instant). */
  until: string;
  onUndo: () => void;
  /** Called once the time is up (the notice has then hidden itself). */
  onExpired: () => void;
  /** An undo under way: the button waits. */
  busy?: boolean;
  testId?: string;
}) {
  const now = useNow(1000);
  const left = formatCountdown(until, now);
  const expired = left === 'done';
  const button = useRef<HTMLButtonElement>(null);
  // In the commit that shows it, not after: a passive effect runs later, and a test (or a
  // quick keyboard user) could find the focus still on the page's body.
  useLayoutEffect(() => button.current?.focus(), []);
  useEffect(() => {
    if (expired) onExpired();
  }, [expired, onExpired]);
  if (expired) return null;
  return (
    <div className="notice tone-info row undo-notice" role="status" data-testid={testId}>
      <span>{children}</span>
      <button ref={button} type="button" className="btn btn-ghost" onClick={onUndo} disabled={busy}>
        Undo
      </button>
      <span className="countdown small" aria-hidden="true" data-testid={testId ? `${testId}-left` : undefined}>
        {left} left to undo
      </span>
      <span className="visually-hidden">You can undo this for a minute.</span>
    </div>
  );
}
