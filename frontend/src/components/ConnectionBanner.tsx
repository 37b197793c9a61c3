// Tells the viewer when live updates are interrupted and being re-established.

import { useSyncExternalStore } from 'react';
import { useApi } from '../session';

export function ConnectionBanner() {
  const { status } = useApi();
  const state = useSyncExternalStore(status.subscribe, status.get);
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
  const label = state === 'connected' ? 'Live' : state === 'reconnecting' ? 'Reconnecting' : state === 'connecting' ? 'Connecting' : 'Idle';
  return (
    <span className={`live live-${state}`} title="Live updates over the websocket">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
