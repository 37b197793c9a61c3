// Tells the viewer when live updates are interrupted and being re-established.

import { useSyncExternalStore } from 'react';
import { useApi } from '../session';

export function ConnectionBanner() {
  const { status } = useApi();
  const state = useSyncExternalStore(status.subscribe, status.get);
  if (state === 'failed') {
    return (
      <div className="banner tone-bad" role="alert" data-testid="live-failed">
        Live updates stopped: the server closed the connection.{' '}
        <button type="button" className="btn btn-ghost" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
  if (state !== 'reconnecting') return null;
  return (
    <div className="banner tone-warn" role="status" data-testid="reconnecting">
      <span className="spinner" aria-hidden="true" /> Live updates interrupted — reconnecting…
    </div>
  );
}

export function LiveIndicator() {
  const { status } = useApi();
  const state = useSyncExternalStore(status.subscribe, status.get);
  const label = { connected: 'Live', reconnecting: 'Reconnecting', connecting: 'Connecting', failed: 'Offline', idle: 'Idle' }[state];
  return (
    <span className={`live live-${state}`} title="Live updates over the websocket">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
