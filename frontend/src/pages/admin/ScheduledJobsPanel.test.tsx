// Tests of the scheduled jobs panel: each job with its schedule, the last run's outcome and what
// it did, a takeover and missed slots said in words, failures counted, a job not run yet.

import { render, screen, within } from '@testing-library/react';
import { Provider } from 'urql';
import { describe, expect, it } from 'vitest';
import { mockClient } from '../../test/mockClient';
import { ScheduledJobsPanel } from './ScheduledJobsPanel';

const run = (over: Record<string, unknown>) => ({
  __typename: 'ScheduledRun',
  slot: '2026-12-02T10:00:05Z',
  status: 'SUCCEEDED',
  node: 'web-1-4242-abc123',
  attempts: 1,
  missedSlots: 0,
  durationMs: 12,
  detail: '2 plan(s) expired',
  finishedAt: '2026-12-02T10:00:05Z',
  ...over,
});

const job = (name: string, lastRun: unknown, recentFailures = 0) => ({
  __typename: 'ScheduledJob',
  name,
  key: `praetor/${name}`,
  schedule: '*/5 * * * * *',
  description: `${name} does its housekeeping.`,
  nextRunAt: '2026-12-02T10:00:10Z',
  recentFailures,
  lastRun,
});

describe('ScheduledJobsPanel', () => {
  it('shows each job’s last run and what it did, takeovers, missed slots and failures', async () => {
    const mock = mockClient(() => ({
      scheduledJobs: [
        job('approvals.expire', run({})),
        job('webhooks.prune', run({ status: 'FAILED', attempts: 2, missedSlots: 287, detail: 'database is locked' }), 3),
        job('scheduler.prune', null),
      ],
    }));
    render(
      <Provider value={mock.client}>
        <ScheduledJobsPanel />
      </Provider>,
    );
    const expire = await screen.findByTestId('job-approvals.expire');
    expect(expire.textContent).toContain('*/5 * * * * *');
    expect(expire.textContent).toContain('succeeded');
    expect(expire.textContent).toContain('12 ms');
    expect(expire.textContent).toContain('2 plan(s) expired');
    expect(expire.textContent).not.toContain('taken over');
    const prune = screen.getByTestId('job-webhooks.prune');
    expect(within(prune).getByText('failed')).toBeTruthy();
    expect(prune.textContent).toContain('taken over (2 claims)');
    expect(prune.textContent).toContain('covers 287 missed');
    expect(prune.textContent).toContain('database is locked');
    expect(prune.textContent).toContain('3 recent failures');
    expect(screen.getByTestId('job-scheduler.prune').textContent).toContain('not yet');
  });
});
