// Tests of a plan card in chat: the live status and step progress come from the session's
// events, the buttons from the viewer's rights on the plan (and whether its stage is theirs).

import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { Provider } from 'urql';
import { describe, expect, it } from 'vitest';
import type { ChatPlanView } from '../../lib/chat';
import { mockClient } from '../../test/mockClient';
import { ChatPlanCard } from './ChatPlanCard';

const base: ChatPlanView = {
  planId: 'pln_1',
  seq: 2,
  status: 'PENDING_APPROVAL',
  verdict: 'NEEDS_APPROVAL',
  planHash: 'hash-1',
  preview: null,
  steps: [{ id: 'step-1', action: 'deploy.web', params: { service: 'web', env: 'prod' }, when: null, onFailure: 'STOP' }],
  proposer: [
    { kind: 'USER', id: 'usr_1', name: 'bob@demo.test' },
    { kind: 'AGENT', id: 'builtin', name: 'alias' },
  ],
  progress: [],
  waitingUntil: new Map(),
  lastSeq: 4,
  finished: null,
};

function renderCard(plan: Partial<ChatPlanView>, rights: { canReject?: boolean; canExecute?: boolean; canCancel?: boolean }, approveNow: string | true = 'you proposed this plan') {
  const mock = mockClient(() => ({
    plan: {
      __typename: 'Plan',
      id: 'pln_1',
      title: 'deploy.web',
      status: plan.status ?? base.status,
      planHash: 'hash-1',
      approvalStages: [
        { __typename: 'ApprovalStageStatus', index: 0, name: 'sre-leads', groups: ['sre-leads'], count: 1, satisfied: false, approvals: [] },
      ],
      viewerCanApproveNow: { __typename: 'ApprovalAbility', can: approveNow === true, reason: approveNow === true ? null : approveNow },
      canReject: false,
      canExecute: false,
      canCancel: false,
      ...rights,
    },
  }));
  render(
    <MemoryRouter>
      <Provider value={mock.client}>
        <ChatPlanCard plan={{ ...base, ...plan }} org="demo" project="web" />
      </Provider>
    </MemoryRouter>,
  );
  return mock;
}

describe('ChatPlanCard', () => {
  it('offers Approve and Reject to an approver whose stage is waiting', async () => {
    renderCard({}, { canReject: true }, true);
    await screen.findByRole('button', { name: 'Approve' });
    expect(screen.queryByTestId('cannot-approve')).toBeNull();
    await screen.findByRole('button', { name: 'Approve' });
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Approve', 'Reject']);
    expect(screen.getByTestId('chat-plan-status').textContent).toContain('pending approval');
    expect(screen.getByTestId('chat-plan-status').textContent).toContain('alias (agent) for bob@demo.test');
    expect(screen.getByTestId('stage-0').textContent).toContain('waiting');
  });

  it('offers nothing to approve to the proposer, and says why; he may only cancel', async () => {
    renderCard({}, { canExecute: true, canCancel: true });
    await screen.findByRole('button', { name: 'Cancel plan' });
    expect(screen.getByTestId('cannot-approve').textContent).toBe('You cannot approve it now: you proposed this plan.');
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Run' })).toBeNull();
  });

  it('offers Run once approved, and shows the steps as the events report them', async () => {
    renderCard({ status: 'RUNNING', progress: [{ id: 'step-1', status: 'RUNNING', attempts: 1, output: null, error: null }] }, { canExecute: true, canCancel: true });
    await screen.findByRole('button', { name: 'Cancel plan' });
    expect(screen.queryByRole('button', { name: 'Run' })).toBeNull();
    expect(within(screen.getByRole('region', { name: 'Progress' })).getByTestId('progress-step-1').textContent).toContain('running');
  });

  it('has no buttons once the plan has finished', async () => {
    const mock = renderCard(
      { status: 'SUCCEEDED', progress: [{ id: 'step-1', status: 'SUCCEEDED', attempts: 1, output: null, error: null }], finished: { status: 'SUCCEEDED', detail: null } },
      { canExecute: true, canCancel: true },
    );
    await waitFor(() => expect(mock.operations.length).toBeGreaterThan(0));
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByTestId('progress-step-1').textContent).toContain('succeeded');
  });

  it('counts down a waiting delay step as the plan page does, and not once the plan has ended', async () => {
    const until = new Date(Date.now() + 125_000).toISOString();
    const waiting = {
      status: 'RUNNING' as const,
      steps: [{ id: 'wait', action: 'delay', params: { seconds: 300 }, when: null, onFailure: 'STOP' as const }],
      progress: [{ id: 'wait', status: 'WAITING' as const, attempts: 1, output: null, error: null }],
      waitingUntil: new Map([['wait', until]]),
    };
    const first = renderCard(waiting, { canCancel: true });
    await waitFor(() => expect(first.operations.length).toBeGreaterThan(0));
    const row = within(screen.getByRole('region', { name: 'Progress' })).getByTestId('progress-wait');
    const countdown = within(row).getByTestId('countdown');
    expect(countdown.textContent).toMatch(/^2:0[0-5] left \(until /);
    expect(countdown.querySelector('time')!.getAttribute('dateTime')).toBe(until);
    expect(row.textContent).not.toContain(until);
    cleanup();

    renderCard({ ...waiting, status: 'CANCELLED', finished: { status: 'CANCELLED', detail: null } }, {});
    expect(screen.queryByTestId('countdown')).toBeNull();
  });
});
