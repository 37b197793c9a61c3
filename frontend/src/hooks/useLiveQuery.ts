// The data of a page that shows things changing by themselves: one query, answered from the
// cache while the network is asked, asked again on every audit entry of the organization (the
// workspace's `activity`) and every `refreshMs` for what changes without one (a sliding rate
// window, a schedule's next slot).

import { useEffect } from 'react';
import { useQuery, type AnyVariables, type DocumentInput } from 'urql';
import { useWorkspace } from '../session';

export function useLiveQuery<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  refreshMs: number,
) {
  const { activity } = useWorkspace();
  const [{ data, error, fetching }, refetch] = useQuery({ query, variables, requestPolicy: 'cache-and-network' });
  useEffect(() => {
    if (activity > 0) refetch({ requestPolicy: 'network-only' });
  }, [activity, refetch]);
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), refreshMs);
    return () => clearInterval(timer);
  }, [refetch, refreshMs]);
  return { data, error, fetching, reload: () => refetch({ requestPolicy: 'network-only' }) };
}
