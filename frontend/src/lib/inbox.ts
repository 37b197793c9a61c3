// What waits for the viewer in the Approvals inbox: plans at a stage they can approve now and
// access requests (time-boxed role grants) they can decide. One count for the header's badge
// and for where people land.

interface InboxCounts {
  approvalRequests: readonly unknown[];
  org: { roleGrants: readonly { viewerCanDecide: boolean }[] };
}

export function waitingFor(data: InboxCounts | undefined | null): number {
  if (!data) return 0;
  return data.approvalRequests.length + accessRequests(data.org.roleGrants).length;
}

/** The grants among `grants` that wait for the viewer's decision. */
export function accessRequests<G extends { viewerCanDecide: boolean }>(grants: readonly G[]): G[] {
  return grants.filter((g) => g.viewerCanDecide);
}
