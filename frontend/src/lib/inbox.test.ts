import { describe, expect, it } from 'vitest';
import { accessRequests, waitingFor } from './inbox';

describe('the inbox count', () => {
  it('counts plans and the access requests the viewer can decide, not the others', () => {
    const data = {
      approvalRequests: [{ id: 'pln_1' }, { id: 'pln_2' }],
      org: { roleGrants: [{ id: 'g1', viewerCanDecide: true }, { id: 'g2', viewerCanDecide: false }] },
    };
    expect(waitingFor(data)).toBe(3);
    expect(accessRequests(data.org.roleGrants).map((g) => g.id)).toEqual(['g1']);
  });

  it('is zero before the inbox is read', () => {
    expect(waitingFor(undefined)).toBe(0);
    expect(waitingFor({ approvalRequests: [], org: { roleGrants: [{ viewerCanDecide: false }] } })).toBe(0);
  });
});
