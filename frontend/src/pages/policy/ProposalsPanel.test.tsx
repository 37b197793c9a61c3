// Tests of the policy page's proposed changes: hidden when nothing of the org or this project
// waits; each pending proposal shows its proposer, comment and diff; Approve is offered only to
// someone who may approve (otherwise the server's reason is shown), and approving stores the
// versions and tells the page; rejecting asks for a reason and sends nothing without one; the
// proposer withdraws instead of rejecting.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, type ExecutionResult } from 'graphql';
import { Provider, type Operation } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { PolicyProposal } from '../../api/types';
import { mockServer } from '../../test/mockClient';
import { ProposalsPanel } from './ProposalsPanel';

const alice = { __typename: 'Actor', kind: 'USER', id: 'usr_alice', name: 'alice@demo.test' } as const;
const carol = { __typename: 'Actor', kind: 'USER', id: 'usr_carol', name: 'carol@demo.test' } as const;

const DIFF = `--- in force
+++ proposed
@@ -1,2 +1,3 @@
 kind: Policy
-spec: {}
+spec:
+  rules: []
`;

function proposal(over: Partial<PolicyProposal> = {}): PolicyProposal {
  return {
    id: 'ppr_1',
    status: 'PENDING',
    scope: 'ORG',
    project: null,
    comment: 'tighten prod deploys',
    diff: DIFF,
    createdAt: '2026-12-03T10:00:00Z',
    viewerCanApprove: true,
    viewerCannotApproveReason: null,
    proposedBy: [alice],
    ...over,
  };
}

const name = (op: Operation) => getOperationAST(op.query)?.name?.value;

function renderPanel(proposals: PolicyProposal[], viewerId: string, mutate: (op: Operation) => ExecutionResult = () => ({ data: {} })) {
  const onDecided = vi.fn();
  const mock = mockServer((op) =>
    op.kind === 'query'
      ? { data: { org: { __typename: 'Org', id: 'org_1', policyProposals: proposals.map((p) => ({ __typename: 'PolicyProposal', ...p })) } } }
      : mutate(op),
  );
  const view = render(
    <Provider value={mock.client}>
      <ProposalsPanel org="demo" project="web" viewerId={viewerId} onDecided={onDecided} />
    </Provider>,
  );
  const mutations = () => mock.operations.filter((op) => op.kind === 'mutation').map((op) => [name(op), op.variables]);
  return { ...mock, onDecided, mutations, container: view.container };
}

describe('ProposalsPanel', () => {
  it('is hidden when nothing of the org or this project waits', async () => {
    const mock = renderPanel(
      [proposal({ id: 'ppr_other', scope: 'PROJECT', project: 'api' }), proposal({ id: 'ppr_done', status: 'APPLIED' })],
      'usr_carol',
    );
    await waitFor(() => expect(mock.operations.some((op) => name(op) === 'PolicyProposals')).toBe(true));
    expect(screen.queryByRole('region', { name: 'Proposed changes' })).toBeNull();
    expect(mock.container.textContent).toBe('');
  });

  it('shows a pending change and approves it for someone else who may', async () => {
    const mock = renderPanel([proposal(), proposal({ id: 'ppr_2', scope: 'PROJECT', project: 'web', comment: 'web only' })], 'usr_carol', () => ({
      data: {
        approvePolicyProposal: {
          __typename: 'DecidedPolicyProposal',
          proposal: { __typename: 'PolicyProposal', ...proposal({ status: 'APPLIED' }) },
          versions: [{ __typename: 'PolicyVersion', id: 'pv_4', scope: 'ORG', project: null, version: 4 }],
        },
      },
    }));
    const section = await screen.findByRole('region', { name: 'Proposed changes' });
    const item = within(section).getByTestId('policy-proposal-ppr_1');
    expect(item.textContent).toContain('tighten prod deploys');
    expect(item.textContent).toContain('proposed by alice@demo.test');
    expect(item.querySelector('time')?.getAttribute('datetime')).toBe('2026-12-03T10:00:00Z');
    expect(within(item).getByRole('figure').textContent).toContain('added:   rules: []');
    expect(within(section).getByTestId('policy-proposal-ppr_2').textContent).toContain('web only');

    const approve = within(item).getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
    expect(approve.disabled).toBe(false);
    expect(within(item).queryByRole('button', { name: /Withdraw/ })).toBeNull();
    fireEvent.click(approve);
    expect((await within(section).findByRole('status')).textContent).toBe('Approved: org@4 now in force.');
    expect(mock.mutations()).toEqual([['ApprovePolicyProposal', { id: 'ppr_1', comment: '' }]]);
    expect(mock.onDecided).toHaveBeenCalledTimes(1);
  });

  it('offers no approval to the proposer, with the reason, and lets them withdraw', async () => {
    const mock = renderPanel(
      [proposal({ viewerCanApprove: false, viewerCannotApproveReason: 'You cannot approve your own policy change.' })],
      'usr_alice',
      () => ({ data: { rejectPolicyProposal: { __typename: 'PolicyProposal', ...proposal({ status: 'WITHDRAWN' }) } } }),
    );
    const item = await screen.findByTestId('policy-proposal-ppr_1');
    const approve = within(item).getByRole('button', { name: 'Approve' }) as HTMLButtonElement;
    expect(approve.disabled).toBe(true);
    expect(approve.title).toBe('You cannot approve your own policy change.');
    expect(item.textContent).toContain('You cannot approve your own policy change.');
    expect(within(item).queryByRole('button', { name: 'Reject' })).toBeNull();

    fireEvent.click(within(item).getByRole('button', { name: 'Withdraw' }));
    const dialog = within(item).getByRole('dialog', { name: 'Withdraw this proposed change?' });
    // A reason is welcome, not required, to withdraw one's own change.
    expect(within(dialog).getByLabelText('Why (optional)')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Withdraw' }));
    expect((await screen.findByRole('status')).textContent).toBe('Withdrawn: the proposed change to org policy.');
    expect(mock.mutations()).toEqual([['RejectPolicyProposal', { id: 'ppr_1', comment: '' }]]);
    expect(mock.onDecided).not.toHaveBeenCalled();
  });

  it('shows why someone without the right may not approve', async () => {
    renderPanel([proposal({ proposedBy: [carol], viewerCanApprove: false, viewerCannotApproveReason: 'Needs policy.write in this scope.' })], 'usr_bob');
    const item = await screen.findByTestId('policy-proposal-ppr_1');
    expect((within(item).getByRole('button', { name: 'Approve' }) as HTMLButtonElement).disabled).toBe(true);
    expect(item.textContent).toContain('Needs policy.write in this scope.');
  });

  it('rejects only with a reason', async () => {
    const mock = renderPanel([proposal()], 'usr_carol', () => ({
      data: { rejectPolicyProposal: { __typename: 'PolicyProposal', ...proposal({ status: 'REJECTED' }) } },
    }));
    const item = await screen.findByTestId('policy-proposal-ppr_1');
    fireEvent.click(within(item).getByRole('button', { name: 'Reject' }));
    const dialog = within(item).getByRole('dialog', { name: 'Reject this proposed change?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reject change' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Give a reason');
    expect(mock.mutations()).toEqual([]);

    fireEvent.change(within(dialog).getByLabelText('Why (required)'), { target: { value: 'too broad' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reject change' }));
    expect((await screen.findByRole('status')).textContent).toBe('Rejected: the proposed change to org policy.');
    expect(mock.mutations()).toEqual([['RejectPolicyProposal', { id: 'ppr_1', comment: 'too broad' }]]);
  });
});
