// Tests of the rollups page: the summary adds up the points the server sent; the charts draw
// their series (three lines of plans, two of latency, three stacked origins, a bar per refusal
// code, the project's daily budget as a line); the presets and the project filter send the
// variables they stand for (by hour for the last 24 hours, custom dates as whole UTC days);
// the per-project table sorts; the CSV holds the series shown; an empty range and a refused
// query say so; the "All organizations" section shows for instance administrators and hides
// when the server answers FORBIDDEN.

import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Provider, type Operation } from 'urql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProjectRollup, RollupPoint, Viewer } from '../../api/types';
import { NO_RIGHTS, SessionContext, WorkspaceContext, type Workspace } from '../../session';
import { mockServer } from '../../test/mockClient';
import { point } from '../../test/rollups';
import { RollupsPage } from './RollupsPage';

const NOW = new Date('2026-12-03T14:25:00Z');

const WORKSPACE: Workspace = {
  org: {
    id: 'org_1',
    slug: 'demo',
    name: 'Demo',
    projects: {
      nodes: [
        { id: 'prj_1', slug: 'web', name: 'Web', description: '' },
        { id: 'prj_2', slug: 'payments', name: 'Payments', description: '' },
      ],
    },
  },
  project: 'web',
  rights: { ...NO_RIGHTS, auditRead: true },
  activity: 0,
  recentEvents: [],
  approvalsWaiting: 0,
  settled: true,
};

const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 10, 27 + i)).toISOString().replace('.000Z', 'Z'));

/** A week with activity on two days. */
const WEEK: RollupPoint[] = days(7).map((start, i) =>
  i === 5
    ? point(start, {
        plansProposed: 4,
        plansSucceeded: 2,
        plansFailed: 1,
        plansRejected: 1,
        byHumans: 3,
        byAgents: 1,
        spend: 2.5,
        refusals: [{ code: 'RATE_LIMITED', count: 2 }],
        approvals: 3,
        approvalLatencyP50Seconds: 60,
        approvalLatencyP95Seconds: 900,
        chatMessages: 5,
        chatSessions: 1,
      })
    : i === 6
      ? point(start, {
          plansProposed: 3,
          plansSucceeded: 2,
          plansKilled: 1,
          byIntegrations: 3,
          spend: 1.25,
          refusals: [{ code: 'DENIED', count: 1 }, { code: 'RATE_LIMITED', count: 1 }],
          approvals: 1,
          approvalLatencyP50Seconds: 30,
          approvalLatencyP95Seconds: 30,
          chatMessages: 2,
          chatSessions: 1,
          killSwitchesEngaged: 1,
          killSwitchSeconds: 3900,
        })
      : point(start),
);

const BY_PROJECT: ProjectRollup[] = [
  { project: { id: 'prj_1', slug: 'web', name: 'Web' }, totals: point(WEEK[0]!.start, { plansProposed: 5, plansSucceeded: 3, spend: 3, approvals: 4 }) },
  { project: { id: 'prj_2', slug: 'payments', name: 'Payments' }, totals: point(WEEK[0]!.start, { plansProposed: 2, plansSucceeded: 1, plansFailed: 1, spend: 0.75, refusals: [{ code: 'DENIED', count: 3 }] }) },
  { project: null, totals: point(WEEK[0]!.start, { killSwitchesEngaged: 1 }) },
];

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const forbidden = (message: string): ExecutionResult => ({ errors: [new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } })] });

interface Answers {
  rollups?: (op: Operation) => ExecutionResult;
  instance?: (op: Operation) => ExecutionResult;
  instanceAdmin?: boolean;
  search?: string;
}

function renderPage({ rollups, instance, instanceAdmin = false, search = '' }: Answers = {}) {
  const mock = mockServer((op) => {
    switch (name(op)) {
      case 'OrgRollups':
        return rollups?.(op) ?? { data: { org: { id: 'org_1', rollups: WEEK, rollupsByProject: BY_PROJECT } } };
      case 'RollupBudgets':
        return {
          data: {
            org: { id: 'org_1', budget: { limit: 100, unit: 'credits' } },
            ...(op.variables?.withProject ? { project: { id: 'prj_1', budget: { limit: 4, unit: 'credits' } } } : {}),
          },
        };
      case 'InstanceRollups':
        return instance?.(op) ?? forbidden('instance administrators only');
      default:
        throw new Error(`unexpected operation ${name(op)}`);
    }
  });
  const viewer = { kind: 'USER', id: 'usr_1', name: 'alice', instanceAdmin, user: null, orgs: [WORKSPACE.org] } as unknown as Viewer;
  const view = render(
    <MemoryRouter initialEntries={[`/orgs/demo/rollups${search}`]}>
      <Provider value={mock.client}>
        <SessionContext.Provider value={{ viewer, signOut: async () => undefined }}>
          <WorkspaceContext.Provider value={WORKSPACE}>
            <Routes>
              <Route path="/orgs/:org/rollups" element={<RollupsPage />} />
            </Routes>
          </WorkspaceContext.Provider>
        </SessionContext.Provider>
      </Provider>
    </MemoryRouter>,
  );
  /**
   * The variables `operation` was asked with so far, each once (a query answered at once, as
   * here, is sent twice as it mounts).
   */
  const asked = (operation: string) => {
    const seen = mock.operations.filter((op) => name(op) === operation).map((op) => JSON.stringify(op.variables));
    return [...new Set(seen)].map((v) => JSON.parse(v) as Record<string, unknown>);
  };
  return { ...view, asked };
}

/** A blob's text (jsdom's Blob has no `text()`). */
const textOf = (blob: Blob) =>
  new Promise<string>((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.readAsText(blob);
  });

const summary = (testId: string) => screen.getByTestId(testId).textContent;
const chart = (testId: string) => screen.getByTestId(testId);

beforeEach(() => {
  // Only the clock is fake: urql and the test's waiting keep real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('RollupsPage', () => {
  it('sums the last 7 days into the summary and asks by day across all projects', async () => {
    const { asked } = renderPage();
    await screen.findByTestId('summary-plans');
    expect(asked('OrgRollups')[0]).toEqual({ org: 'demo', from: '2026-11-27T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY', project: null });
    expect(summary('summary-plans')).toBe('Plans proposed7');
    // 4 succeeded of the 6 that ran (2 + 1 failed; 2 + 1 killed); the rejected one never ran.
    expect(summary('summary-success')).toBe('Success rate67 %4 of 6 that ran');
    expect(summary('summary-spend')).toBe('Spend3.75 credits');
    expect(summary('summary-refusals')).toBe('Refusals4');
    // Two days with approvals: the range's quantiles are estimated, and say so.
    expect(summary('summary-approvals')).toBe('Approvals4≈ p50 1 min · p95 15 min');
    expect(summary('summary-chat')).toBe('Chat messages72 sessions');
    expect(summary('summary-kill')).toBe('Kill-switch time1 h 5 min1 engaged');
    expect(screen.getByTestId('rollup-range').textContent).toContain('by day');
    expect(screen.queryByTestId('rollups-empty')).toBeNull();
  });

  it('draws each chart’s series', async () => {
    renderPage();
    await screen.findByTestId('chart-plans');
    expect(chart('chart-plans').querySelectorAll('.recharts-line')).toHaveLength(3);
    expect(chart('chart-plans').querySelectorAll('path.recharts-line-curve')).toHaveLength(3);
    expect(within(chart('chart-plans')).getByText('Proposed')).toBeTruthy();
    expect(chart('chart-latency').querySelectorAll('.recharts-line')).toHaveLength(2);
    expect(chart('chart-origins').querySelectorAll('.recharts-bar')).toHaveLength(3);
    expect(chart('chart-spend').querySelectorAll('.recharts-area')).toHaveLength(1);
    // All projects: no single budget to draw.
    expect(chart('chart-spend').querySelector('.recharts-reference-line')).toBeNull();
    // RATE_LIMITED (3) and DENIED (1), one bar each, labelled by code.
    expect(chart('chart-refusals').querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2);
    expect(within(chart('chart-refusals')).getByText('RATE_LIMITED')).toBeTruthy();
    expect(within(chart('chart-refusals')).getByText('DENIED')).toBeTruthy();
  });

  it('says so in place of a chart with nothing to draw', async () => {
    const quiet = days(7).map((d, i) => point(d, i === 6 ? { plansProposed: 1, byHumans: 1 } : {}));
    renderPage({ rollups: () => ({ data: { org: { id: 'org_1', rollups: quiet, rollupsByProject: [] } } }) });
    await screen.findByTestId('chart-plans');
    expect(chart('chart-latency').textContent).toContain('No approvals in this range.');
    expect(chart('chart-latency').querySelector('svg')).toBeNull();
    expect(chart('chart-refusals').textContent).toContain('No refusals in this range.');
    expect(chart('chart-origins').querySelectorAll('.recharts-bar')).toHaveLength(3);
  });

  it('the last 24 hours are asked by hour; custom dates as whole UTC days', async () => {
    const { asked } = renderPage();
    await screen.findByTestId('summary-plans');
    fireEvent.change(screen.getByLabelText('Range'), { target: { value: '24h' } });
    await waitFor(() => expect(asked('OrgRollups')).toHaveLength(2));
    expect(asked('OrgRollups')[1]).toEqual({ org: 'demo', from: '2026-12-02T15:00:00Z', to: '2026-12-03T15:00:00Z', granularity: 'HOUR', project: null });

    fireEvent.change(screen.getByLabelText('Range'), { target: { value: '90d' } });
    await waitFor(() => expect(asked('OrgRollups')).toHaveLength(3));
    expect(asked('OrgRollups')[2]).toMatchObject({ from: '2026-09-05T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY' });

    // Custom dates start as the range shown, then ask for what is typed.
    fireEvent.change(screen.getByLabelText('Range'), { target: { value: 'custom' } });
    expect(screen.getByLabelText<HTMLInputElement>('From').value).toBe('2026-09-05');
    expect(screen.getByLabelText<HTMLInputElement>('To').value).toBe('2026-12-03');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-12-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-12-02' } });
    await waitFor(() => expect(asked('OrgRollups').at(-1)).toMatchObject({ from: '2026-12-01T00:00:00Z', to: '2026-12-03T00:00:00Z', granularity: 'HOUR' }));

    // An end before the start asks nothing and says why.
    const count = asked('OrgRollups').length;
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-11-30' } });
    expect((await screen.findByRole('alert')).textContent).toBe('The end date is before the start date.');
    expect(asked('OrgRollups')).toHaveLength(count);
    // Five ranges, each drawing the page's charts again: on a machine busy with a Rust build
    // this took longer than the default 5 s.
  }, 20_000);

  it('the project filter asks for the project and draws its daily budget', async () => {
    const { asked } = renderPage();
    await screen.findByTestId('summary-plans');
    fireEvent.change(screen.getByLabelText('Projects'), { target: { value: 'payments' } });
    await waitFor(() => expect(asked('OrgRollups').at(-1)).toMatchObject({ project: 'payments', granularity: 'DAY' }));
    expect(asked('RollupBudgets').at(-1)).toEqual({ org: 'demo', project: 'payments', withProject: true });
    await waitFor(() => expect(chart('chart-spend').querySelector('.recharts-reference-line')).not.toBeNull());
    expect(chart('chart-spend').textContent).toContain('daily limit 4');
    expect(screen.getByTestId('rollup-project-payments').className).toBe('row-fresh');

    // By hour a daily limit is not drawn.
    fireEvent.change(screen.getByLabelText('Range'), { target: { value: '24h' } });
    await waitFor(() => expect(asked('OrgRollups').at(-1)).toMatchObject({ project: 'payments', granularity: 'HOUR' }));
    await waitFor(() => expect(chart('chart-spend').querySelector('.recharts-reference-line')).toBeNull());
  });

  it('two changes in a row both stand, a range then a project before the page renders again', async () => {
    const { asked } = renderPage();
    await screen.findByTestId('summary-plans');
    act(() => {
      fireEvent.change(screen.getByLabelText('Range'), { target: { value: '24h' } });
      fireEvent.change(screen.getByLabelText('Projects'), { target: { value: 'payments' } });
    });
    await waitFor(() => expect(asked('OrgRollups').at(-1)).toMatchObject({ project: 'payments', granularity: 'HOUR' }));
  });

  it('reads the range and project from the URL', async () => {
    const { asked } = renderPage({ search: '?range=custom&from=2026-11-01&to=2026-11-30&project=web' });
    await screen.findByTestId('summary-plans');
    expect(asked('OrgRollups')[0]).toEqual({ org: 'demo', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', granularity: 'DAY', project: 'web' });
    expect(screen.getByLabelText<HTMLSelectElement>('Projects').value).toBe('web');
  });

  it('lists each project’s total, sortable by a column', async () => {
    renderPage();
    const table = await screen.findByTestId('rollup-projects');
    const order = () => [...table.querySelectorAll('tbody th')].map((th) => th.textContent);
    expect(order()).toEqual(['Web', 'Payments', 'Organization (outside projects)']);
    expect(screen.getByTestId('rollup-project-payments').textContent).toBe('Payments2110.75 credits30');
    fireEvent.click(within(table).getByRole('button', { name: 'Refusals' }));
    expect(order()).toEqual(['Payments', 'Web', 'Organization (outside projects)']);
    expect(within(table).getByRole('columnheader', { name: /Refusals/ }).getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(within(table).getByRole('button', { name: 'Project' }));
    expect(order()).toEqual(['Organization (outside projects)', 'Payments', 'Web']);
    fireEvent.click(within(table).getByRole('button', { name: 'Project' }));
    expect(order()).toEqual(['Web', 'Payments', 'Organization (outside projects)']);
  });

  it('exports the series shown as CSV named after the org and range', async () => {
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => (blobs.push(blob), 'blob:rollups'));
    URL.revokeObjectURL = vi.fn();
    const names: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    renderPage();
    await screen.findByTestId('summary-plans');
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(names).toEqual(['rollups-demo-2026-11-27-2026-12-04.csv']);
    const lines = (await textOf(blobs[0]!)).trim().split('\r\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]!.startsWith('start,plansProposed,plansSucceeded,')).toBe(true);
    expect(lines[0]!.endsWith(',refusals_DENIED,refusals_RATE_LIMITED')).toBe(true);
    expect(lines[6]!.startsWith('2026-12-02T00:00:00Z,4,2,1,0,1,')).toBe(true);
    expect(lines[7]!.endsWith(',1,1')).toBe(true);
  });

  it('says when the range has no activity yet', async () => {
    renderPage({ rollups: () => ({ data: { org: { id: 'org_1', rollups: days(7).map((d) => point(d)), rollupsByProject: [] } } }) });
    expect((await screen.findByTestId('rollups-empty')).textContent).toBe('No activity in this range yet — rollups are updated every 15 seconds.');
    expect(summary('summary-plans')).toBe('Plans proposed0');
    expect(summary('summary-success')).toBe('Success rate—none finished running');
    expect(screen.queryByTestId('chart-plans')).toBeNull();
  });

  it('shows a refusal of the query', async () => {
    renderPage({ rollups: () => forbidden('not allowed: audit.read in demo') });
    expect((await screen.findByRole('alert')).textContent).toBe('not allowed: audit.read in demo FORBIDDEN');
    expect(screen.queryByTestId('summary-plans')).toBeNull();
  });

  it('shows every organization to an instance administrator', async () => {
    const { asked } = renderPage({
      instanceAdmin: true,
      instance: () => ({
        data: {
          instanceRollups: {
            points: WEEK,
            orgs: [
              { slug: 'demo', name: 'Demo', totals: point(WEEK[0]!.start, { plansProposed: 7, plansSucceeded: 4, spend: 3.75 }) },
              { slug: 'acme', name: 'Acme', totals: point(WEEK[0]!.start, { plansProposed: 1 }) },
            ],
          },
        },
      }),
    });
    const section = await screen.findByTestId('instance-rollups');
    await within(section).findByTestId('instance-org-demo');
    expect(asked('InstanceRollups')[0]).toEqual({ from: '2026-11-27T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY' });
    expect(screen.getByTestId('instance-org-demo').textContent).toBe('Demo demo7403.7500');
    expect(screen.getByTestId('instance-org-acme').textContent).toContain('Acme');
    expect(chart('chart-instance-plans').querySelectorAll('.recharts-line')).toHaveLength(3);
    expect(within(section).getByRole('heading', { name: 'All organizations' })).toBeTruthy();
  });

  it('hides every organization when the server answers FORBIDDEN, and asks nothing of others', async () => {
    const admin = renderPage({ instanceAdmin: true });
    await screen.findByTestId('summary-plans');
    await waitFor(() => expect(admin.asked('InstanceRollups')).toHaveLength(1));
    expect(screen.queryByTestId('instance-rollups')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    admin.unmount();

    const member = renderPage({ instanceAdmin: false });
    await screen.findByTestId('summary-plans');
    expect(member.asked('InstanceRollups')).toEqual([]);
    expect(screen.queryByText('All organizations')).toBeNull();
  });
});
