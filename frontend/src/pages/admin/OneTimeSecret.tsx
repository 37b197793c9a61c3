// A secret the server answers only once (a webhook endpoint's or a trigger's signing secret, a
// person's recovery codes, one a line): shown in a box to copy from, with the warning that it cannot be shown again. The parent holds
// the value only while this is open and drops it on "I have stored it"; the mutation that
// answered it is sent without a hook, so no hook state keeps a copy either.

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useCopy } from '../../hooks/useCopy';

interface Props {
  title: string;
  secret: string;
  /** `data-testid` of the box; the value's is `<testId>-secret`. */
  testId: string;
  onDismiss: () => void;
  /** The text of the button that dismisses it. */
  dismissLabel?: string;
  /** What else to know: how long a rotated-out secret still works, how to sign with it. */
  children?: ReactNode;
}

export function OneTimeSecret({ title, secret, testId, onDismiss, dismissLabel = 'I have stored it', children }: Props) {
  const id = useId();
  const copy = useCopy(secret);
  const copyRef = useRef<HTMLButtonElement>(null);
  // Focus comes here (and the box into view) so the one chance to copy is not missed.
  useEffect(() => {
    copyRef.current?.focus();
    copyRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [secret]);

  return (
    <div className="notice tone-warn secret" role="dialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-note`} data-testid={testId}>
      <p id={`${id}-title`}>
        <strong>{title}</strong>
      </p>
      <p id={`${id}-note`}>Store it now: it will not be shown again, and it cannot be recovered.</p>
      <code className="secret-value secret-block" ref={copy.target} data-testid={`${testId}-secret`}>
        {secret}
      </code>
      <div className="row">
        <button type="button" className="btn" ref={copyRef} onClick={() => void copy.copy()}>
          {copy.state === 'copied' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDismiss}>
          {dismissLabel}
        </button>
        <span className="small" aria-live="polite">
          {copy.note}
        </span>
      </div>
      {children}
    </div>
  );
}
