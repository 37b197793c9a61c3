// Tests of a plan's page following it live: every event of the planEvents subscription reaches
// the timeline even when several arrive at once (a step's StepSucceeded and the plan's Succeeded
// come in one burst), and the status follows the last one.

import { render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { getOperationAST } from 'graphql';
import { Provider } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Json, PlanEvent, PlanStatus } from '../api/types';
import { mockResults } from '../test/mockClient';
import { PlanDetailPage, STALE_AFTER_MS } from './PlanDetailPage';

const event = (seq: number, kind: string, data: { [key: string]: Json }): PlanEvent => ({
  seq,
  kind,
  data,
  stateHash: null,
  occurredAt: '2026-12-02T21:30:26Z',
});

const loaded = [event(1, 'Proposed', { verdict: 'allowed', steps: 1 }), event(2, 'Queued', { by: { name: 'bob@demo.test' } })];

function plan(status: PlanStatus) {
  return {
    __typename: 'Plan',
    id: 'pln_1',
    title: 'deploy.web',
    status,
    verdict: 'ALLOWED',
    cost: 1,
    risk: 'LOW',
    createdAt: '2026-12-02T21:30:23Z',
    updatedAt: '2026-12-02T21:30:23Z',
    proposer: [{ kind: 'USER', id: 'usr_1', name: 'bob@demo.test' }],
    project: { slug: 'web', name: 'Web' },
    planHash: 'abcdef0123456789',
    policyVersion: 'org@1',
    runWhenApproved: false,
    expiresAt: null,
    stateHash: null,
    steps: [{ id: 'step-1', action: 'deploy.web', params: { service: 'web', env: 'prod' }, when: null, onFailure: 'STOP' }],
    preview: {
      verdict: 'ALLOWED',
      cost: 1,
      risk: 'LOW',
      reasonCodes: [],
      policyVersion: 'org@1',
      unattended: false,
      autoRun: false,
      approvals: [],
      checks: [],
      steps: [],
    },
    approvalStages: [],
    progress: [{ id: 'step-1', status: 'RUNNING', attempts: 1, output: null, error: null }],
    // The page's queries never see the events after the first load: only the stream brings them.
    events: { nodes: loaded, pageInfo: { hasNextPage: false, endCursor: null } },
    canApprove: false,
    canReject: false,
    canExecute: false,
    canCancel: false,
  };
}

/**
 * Answers the subscription with `burst`, all in one go, and the n-th read of the plan with
 * `statuses[n]` (the last one again after that).
 */
function serve(burst: { status: PlanStatus; event: PlanEvent }[], statuses: PlanStatus[] = ['RUNNING']) {
  let reads = 0;
  const { client, operations } = mockResults((op) => {
    if (op.kind === 'subscription') return burst.map((b) => ({ data: { planEvents: { planId: 'pln_1', ...b } } }));
    const name = getOperationAST(op.query)?.name?.value;
    if (name === 'ReplayPlan') return [{ data: { replayPlan: null } }];
    const status = statuses[Math.min(reads++, statuses.length - 1)]!;
    return [{ data: { plan: plan(status), approvalRequests: [] } }];
  });
  const subscribed = () => operations.filter((op) => op.kind === 'subscription');
  render(
    <MemoryRouter initialEntries={['/orgs/demo/projects/web/plans/pln_1']}>
      <Provider value={client}>
        <Routes>
          <Route path="/orgs/:org/projects/:project/plans/:planId" element={<PlanDetailPage />} />
        </Routes>
      </Provider>
    </MemoryRouter>,
  );
  return { subscribed };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PlanDetailPage', () => {
  it('keeps every event of a burst from the stream, not only the last', async () => {
    const { subscribed } = serve([
      { status: 'RUNNING', event: event(3, 'StepStarted', { step: 'step-1', attempt: 1 }) },
      { status: 'RUNNING', event: event(4, 'StepSucceeded', { step: 'step-1', attempt: 1 }) },
      { status: 'SUCCEEDED', event: event(5, 'Succeeded', { project_seq: 4 }) },
    ]);
    const timeline = await screen.findByRole('list', { name: 'Event timeline' });
    await waitFor(() => expect(timeline.querySelectorAll('li')).toHaveLength(5));
    expect(timeline.textContent).toContain('Step step-1 started');
    expect(timeline.textContent).toContain('Step step-1 succeeded');
    expect(timeline.textContent).toContain('Plan succeeded');
    // It subscribed after the last event the first load saw, and shows the status the stream ended on.
    expect(subscribed()[0]!.variables).toMatchObject({ planId: 'pln_1', after: 2 });
    expect(screen.getByTestId('plan-status').textContent).toContain('succeeded');
  });

  it('reads an unfinished plan again now and then when its stream stays silent', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    serve([], ['RUNNING', 'RUNNING', 'SUCCEEDED']);
    const status = await screen.findByTestId('plan-status');
    expect(status.textContent).toContain('running');
    await vi.advanceTimersByTimeAsync(STALE_AFTER_MS);
    expect(screen.getByTestId('plan-status').textContent).toContain('running');
    await vi.advanceTimersByTimeAsync(STALE_AFTER_MS);
    await waitFor(() => expect(screen.getByTestId('plan-status').textContent).toContain('succeeded'));
  });
});
