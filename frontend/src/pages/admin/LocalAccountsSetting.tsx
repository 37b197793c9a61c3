// Whether the organization's people may sign in with a password (local accounts), a switch in
// the identity providers panel. Turning it on is harmless and immediate; turning it off locks
// out everyone who signs in with a password, so it goes through a confirmation that says so.
// The server refuses it without an enabled identity provider, or from an administrator signed
// in with a password (they would lock themselves out): its words are shown.

import { useState } from 'react';
import { useMutation } from 'urql';
import { SET_LOCAL_ACCOUNTS } from '../../api/documents';
import { Badge } from '../../components/Badge';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ProblemNote } from '../../components/ProblemNote';
import { useAction } from '../../hooks/useAction';

interface Props {
  org: string;
  enabled: boolean;
  /** How many of its providers are enabled (turning passwords off needs one). */
  enabledProviders: number;
  onDone: (message: string) => void;
}

export function LocalAccountsSetting({ org, enabled, enabledProviders, onDone }: Props) {
  const [, set] = useMutation(SET_LOCAL_ACCOUNTS);
  const action = useAction();
  const [confirming, setConfirming] = useState(false);

  const change = async (on: boolean) => {
    setConfirming(false);
    const saved = await action.run(() => set({ org, enabled: on }));
    if (saved) {
      onDone(
        on
          ? 'Local accounts are on: people may sign in with a password again, and invitation and reset links can be made.'
          : 'Local accounts are off: people of this organization sign in at its identity providers only.',
      );
    }
  };

  return (
    <div className="stack" data-testid="local-accounts">
      <h3 id="local-accounts-title" className="section-title">
        Local accounts (passwords)
      </h3>
      <div className="row">
        <button
          type="button"
          role="switch"
          aria-checked={enabled}
          aria-labelledby="local-accounts-title"
          className="btn"
          disabled={action.busy || confirming}
          onClick={() => (enabled ? setConfirming(true) : void change(true))}
        >
          {enabled ? 'On' : 'Off'}
        </button>
        {enabled ? <Badge tone="info">passwords and identity providers</Badge> : <Badge tone="ok">identity providers only</Badge>}
      </div>
      <p className="hint">
        On, people invited by a link sign in with an e-mail address and password. Off, the organization admits people through its identity
        providers only.
      </p>
      {confirming && (
        <ConfirmDialog
          title="Turn local accounts off?"
          consequence={
            <>
              <p>
                <strong>People who signed in with a password lose access to this organization</strong>, their sessions included; invitation and
                reset links are no longer made, and those not yet used stop working.
              </p>
              <p className="small">
                It needs an enabled identity provider{enabledProviders === 0 ? ' (there is none yet)' : ''}, and you must be signed in at one, not with
                a password, so that you keep access.
              </p>
            </>
          }
          confirmLabel="Turn local accounts off"
          onConfirm={() => void change(false)}
          onCancel={() => setConfirming(false)}
        />
      )}
      <ProblemNote problem={action.problem} />
    </div>
  );
}
