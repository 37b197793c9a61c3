// Asking the server again when the org's audit stream reports something a screen shows: only
// for relevant kinds of entry, once per burst, and not while the tab is hidden (see
// lib/refresh.ts). The plain form takes the stream itself, for the frame that provides the
// workspace; `useRefreshOnActivity` reads it from the workspace.

import { useEffect, useRef, useState } from 'react';
import type { AuditEvent } from '../api/types';
import { coalesce, newSince, type Coalescer, type Relevant } from '../lib/refresh';
import { useWorkspace } from '../session';

const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/**
 * A coalescer for `refresh` that lives as long as the component: refreshes held back while the
 * tab was hidden happen when it is shown again.
 */
export function useCoalescedRefresh(refresh: () => void): Coalescer {
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  });
  const [coalescer] = useState(() => coalesce(() => latest.current(), hidden));
  useEffect(() => {
    const onVisibility = () => coalescer.visibilityChanged();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      coalescer.dispose();
    };
  }, [coalescer]);
  return coalescer;
}

/** Calls `refresh` after streamed audit entries that `relevant` accepts (see `coalesce`). */
export function useRefreshOnEvents(activity: number, recentEvents: AuditEvent[], relevant: Relevant, refresh: () => void): void {
  const coalescer = useCoalescedRefresh(refresh);
  const isRelevant = useRef(relevant);
  useEffect(() => {
    isRelevant.current = relevant;
  });
  // Entries streamed before the screen opened are in what it first reads.
  const seen = useRef(activity);
  useEffect(() => {
    const fresh = newSince(recentEvents, seen.current, activity);
    seen.current = activity;
    if (fresh === null || fresh.some((e) => isRelevant.current(e))) coalescer.poke();
  }, [activity, recentEvents, coalescer]);
}

/** `useRefreshOnEvents` on the workspace's audit stream. */
export function useRefreshOnActivity(relevant: Relevant, refresh: () => void): void {
  const { activity, recentEvents } = useWorkspace();
  useRefreshOnEvents(activity, recentEvents, relevant, refresh);
}
