// The data of a page that shows things changing by themselves: one query, answered from the
// cache while the network is asked, asked again after audit entries of the organization that
// can change it (`relevant`, once per burst) and every `refreshMs` for what changes without one
// (a sliding rate window, a schedule's next slot) — neither while the tab is hidden: it asks
// once when shown again.

import { useEffect } from 'react';
import { useQuery, type AnyVariables, type DocumentInput } from 'urql';
import type { Relevant } from '../lib/refresh';
import { useCoalescedRefresh, useRefreshOnActivity } from './useActivityRefresh';

export function useLiveQuery<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  refreshMs: number,
  relevant: Relevant,
) {
  const [{ data, error, fetching }, refetch] = useQuery({ query, variables, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  useRefreshOnActivity(relevant, reload);
  const tick = useCoalescedRefresh(reload);
  useEffect(() => {
    const timer = setInterval(tick.poke, refreshMs);
    return () => clearInterval(timer);
  }, [tick, refreshMs]);
  return { data, error, fetching, reload };
}
