// The data of an admin panel: one query of an organization, answered from the cache while the
// network is asked, and asked of the network again (`reload`) after the panel changed something.

import { useQuery, type DocumentInput } from 'urql';

export function useOrgQuery<Data>(query: DocumentInput<Data, { org: string }>, org: string) {
  const [{ data, error }, refetch] = useQuery({ query, variables: { org }, requestPolicy: 'cache-and-network' });
  return { data, error, reload: () => refetch({ requestPolicy: 'network-only' }) };
}
