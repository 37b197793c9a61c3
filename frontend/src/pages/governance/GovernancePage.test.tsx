// Tests of the Limits page's budget forecast and recommended daily limit: the forecast says when
// the project's budget runs out (in the viewer's time, never as ISO), how it was made and how
// sure it is, and draws spent so far and the forecast line against the limit; a budget that
// lasts says so, and the organization's forecast shows only when it has a limit. The
// recommendation shows its figures and a bar per past day with the 95th percentile, the
// recommendation and the current limit as lines; without one, only the reason and no Apply.
// Apply sends exactly the value confirmed with the comment, reloads the page's data, and shows
// the server's FORBIDDEN or CONFLICT; without policy.write there is nothing to apply.

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Provider, type Operation } from 'urql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BudgetForecast, BudgetRecommendation, Viewer } from '../../api/types';
import { formatTime } from '../../lib/format';
import { SessionContext, WorkspaceContext } from '../../session';
import { budget, days, forecast, recommendation } from '../../test/budgets';
import { mockServer } from '../../test/mockClient';
import { WORKSPACE } from '../../test/workspace';
import { GovernancePage } from './GovernancePage';

const NOW = new Date('2026-12-03T12:00:00Z');

/** The project's budget runs out at 16:00 UTC, 8 hours before its reset. */
const RUNS_OUT: BudgetForecast = forecast();

const ORG_LASTS: BudgetForecast = {
  budget: budget({ limit: 500, policy: 'org-budget', spent: 120, reserved: 0, remaining: 380 }),
  projected: 260,
  exhaustsAt: null,
  confidence: 0.4,
  method: 'LINEAR',
  historyDays: 1,
  backtestError: null,
  message: null,
};

const RECOMMENDATION = recommendation();

const TOO_SHORT: BudgetRecommendation = {
  ...RECOMMENDATION,
  recommended: null,
  reason: 'needs 14 days of history since the first spend, has 3',
  historyDays: 3,
  daily: days([10, 20, 30]),
};

const name = (op: Operation) => getOperationAST(op.query)?.name?.value ?? '';
const refused = (code: string, message: string): ExecutionResult => ({ errors: [new GraphQLError(message, { extensions: { code } })] });

interface Answers {
  projectForecast?: BudgetForecast;
  orgForecast?: BudgetForecast;
  recommendation?: BudgetRecommendation;
  canApply?: boolean;
  apply?: (op: Operation) => ExecutionResult;
}

function renderPage({ projectForecast = RUNS_OUT, orgForecast = ORG_LASTS, recommendation = RECOMMENDATION, canApply = true, apply }: Answers = {}) {
  const mock = mockServer((op) => {
    switch (name(op)) {
      case 'Governance':
        return {
          data: {
            org: { id: 'org_1', budget: orgForecast.budget, budgetForecast: orgForecast, killSwitch: null, canKillOrg: false, canKillProject: false, canPause: false },
            project: {
              id: 'prj_1',
              slug: 'web',
              name: 'Web',
              budget: projectForecast.budget,
              budgetForecast: projectForecast,
              killSwitch: null,
              autonomy: {
                configured: false,
                mode: 'OFF',
                maxRisk: null,
                maxCostPerPlan: null,
                maxPlansPerHour: null,
                paused: false,
                pausedBy: null,
                pauseReason: null,
                pausedAt: null,
                unattendedPlansLastHour: 0,
              },
              rateLimits: [],
              windows: [],
            },
          },
        };
      case 'OrgSpend':
        return { data: { org: { id: 'org_1', projects: { nodes: [] } } } };
      case 'BudgetRecommendation':
        return { data: { org: { id: 'org_1', canApply }, project: { id: 'prj_1', budgetRecommendation: recommendation } } };
      case 'ApplyBudgetRecommendation':
        return apply?.(op) ?? { data: { applyBudgetRecommendation: { versions: [{ id: 'pv_9', scope: 'PROJECT', project: 'web', version: 4 }], warnings: [] } } };
      default:
        throw new Error(`unexpected operation ${name(op)}`);
    }
  });
  const viewer = { kind: 'USER', id: 'usr_1', name: 'alice', instanceAdmin: false, user: null, orgs: [WORKSPACE.org] } as unknown as Viewer;
  const view = render(
    <MemoryRouter initialEntries={['/orgs/demo/projects/web/limits']}>
      <Provider value={mock.client}>
        <SessionContext.Provider value={{ viewer, signOut: async () => undefined }}>
          <WorkspaceContext.Provider value={WORKSPACE}>
            <Routes>
              <Route path="/orgs/:org/projects/:project/limits" element={<GovernancePage />} />
            </Routes>
          </WorkspaceContext.Provider>
        </SessionContext.Provider>
      </Provider>
    </MemoryRouter>,
  );
  const sent = (operation: string) => mock.operations.filter((op) => name(op) === operation);
  return { ...view, sent };
}

const byTestId = (id: string) => screen.getByTestId(id);
const text = (id: string) => byTestId(id).textContent ?? '';
/** A chart once drawn: the chart library arrives after the page (it is loaded lazily). */
async function drawn(testId: string): Promise<HTMLElement> {
  const chart = await screen.findByTestId(testId);
  await waitFor(() => expect(chart.querySelector('svg.recharts-surface')).not.toBeNull());
  return chart;
}
/** The labels of a chart's reference lines (recharts draws them in a layer of their own). */
const labels = (chart: HTMLElement) => [...chart.querySelectorAll('.recharts-label')].map((l) => l.textContent);

beforeEach(() => {
  // Only the clock is fake: urql and the test's waiting keep real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe('Today’s forecast', () => {
  it('says when the project’s budget runs out, in the viewer’s time, how the forecast was made and how sure it is', async () => {
    renderPage();
    const project = await screen.findByTestId('forecast-project');
    expect(within(project).getByRole('heading', { name: 'Project Web' })).toBeTruthy();
    expect(text('forecast-project-outcome')).toBe(`Runs out at ${formatTime('2026-12-03T16:00:00Z')} (in 4 hours), 8 h before the reset, if spending goes on as forecast.`);
    expect(text('forecast-project-projected')).toBe('130 of 100 credits (130 %)');
    expect(text('forecast-project-method')).toBe(
      'Method: Hour-of-day profile of the last 14 days (12 with activity), scaled by how today compares with it so far.',
    );
    expect(text('forecast-project-confidence')).toBe('72 % (on past days it was off by 18 %, median)');
    // Times are the viewer's, never the API's ISO strings (nor its UTC message).
    expect(text('budget-forecast')).not.toContain('2026-12-03T');
    expect(text('budget-forecast')).not.toContain('16:00 UTC');
  });

  it('draws spent so far and the forecast line against the limit, with a text alternative', async () => {
    renderPage();
    const chart = await drawn('forecast-project-chart');
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe(
      `Spent and held so far today: 50 credits; forecast by the reset at ${formatTime('2026-12-04T00:00:00Z')}: 130 of 100 credits (130 %); runs out at ${formatTime('2026-12-03T16:00:00Z')}.`,
    );
    expect(chart.querySelectorAll('.recharts-line')).toHaveLength(2);
    expect(chart.querySelectorAll('path.recharts-line-curve')).toHaveLength(2);
    // The forecast is the dashed one.
    const curves = [...chart.querySelectorAll('path.recharts-line-curve')];
    expect(curves.map((c) => c.getAttribute('stroke-dasharray'))).toEqual([null, '5 3']);
    expect(within(chart).getByText('Forecast (credits)')).toBeTruthy();
    expect(chart.querySelectorAll('.recharts-reference-line')).toHaveLength(2);
    expect(labels(chart)).toEqual(['now', 'limit 100']);
  });

  it('says the budget lasts when it does not run out, and leaves out an organization without a limit', async () => {
    renderPage({
      projectForecast: { ...RUNS_OUT, projected: 80, exhaustsAt: null, message: null, method: 'LINEAR', historyDays: 0, backtestError: null, confidence: 0.25 },
      orgForecast: { ...ORG_LASTS, budget: budget({ limit: null, remaining: null }) },
    });
    await screen.findByTestId('forecast-project');
    expect(text('forecast-project-outcome')).toBe(`Does not run out before the reset ${formatTime('2026-12-04T00:00:00Z')} (in 12 hours).`);
    expect(text('forecast-project-projected')).toBe('80 of 100 credits (80 %)');
    expect(text('forecast-project-method')).toBe(
      'Method: The rate spent so far today, continued to the reset (too little spending in the last 14 days for an hour-of-day profile).',
    );
    expect(text('forecast-project-confidence')).toBe('25 %');
    expect(byTestId('forecast-project-chart').getAttribute('aria-label')).not.toContain('runs out');
    expect(screen.queryByTestId('forecast-org')).toBeNull();
  });

  it('says a budget whose spent and held reach the limit is used up', async () => {
    renderPage({ projectForecast: { ...RUNS_OUT, budget: budget({ spent: 92, reserved: 8, remaining: 0 }), exhaustsAt: NOW.toISOString(), projected: 140 } });
    await screen.findByTestId('forecast-project');
    expect(text('forecast-project-outcome')).toBe(
      `Used up: spent and held reach the limit of 100 credits; plans that would spend more are refused until the reset ${formatTime('2026-12-04T00:00:00Z')} (in 12 hours).`,
    );
    expect(byTestId('forecast-project-chart').getAttribute('aria-label')).toContain('Spent and held so far today: 100 credits;');
  });

  it('shows the organization’s forecast when it has a limit', async () => {
    renderPage();
    const org = await screen.findByTestId('forecast-org');
    expect(within(org).getByRole('heading', { name: 'Organization' })).toBeTruthy();
    expect(text('forecast-org-outcome')).toContain('Does not run out before the reset');
    expect(text('forecast-org-projected')).toBe('260 of 500 credits (52 %)');
    expect(text('forecast-org-method')).toContain('The rate spent so far today');
  });
});

describe('Recommended daily limit', () => {
  it('shows the recommendation with its figures and reason', async () => {
    renderPage();
    const card = await screen.findByTestId('budget-recommendation');
    await within(card).findByTestId('recommendation-value');
    expect(text('recommendation-value')).toBe('96 credits a day (now: 100 credits, set by web-budget)');
    expect(text('recommendation-reason')).toBe('Why: the 95th percentile of 14 days with 20% headroom.');
    const figures = [...byTestId('recommendation-figures').querySelectorAll('div')].map((d) => `${d.querySelector('dt')?.textContent}=${d.querySelector('dd')?.textContent}`);
    expect(figures).toEqual([
      'Median day (p50)=50',
      '95th percentile (p95)=79.5',
      'Largest day=80',
      'Over=14 days',
      'Headroom=20 %',
      "Organization's limit=500",
    ]);
  });

  it('draws a bar per past day with the 95th percentile, the recommendation and the current limit as lines', async () => {
    renderPage();
    const chart = await drawn('recommendation-chart');
    expect(chart.querySelectorAll('.recharts-bar')).toHaveLength(1);
    expect(chart.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(14);
    expect(chart.querySelectorAll('.recharts-reference-line')).toHaveLength(3);
    expect(labels(chart)).toEqual(['p95 79.5', 'recommended 96', 'current limit 100']);
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toContain('Spend of each of 14 past days from ');
    expect(chart.getAttribute('aria-label')).toContain('median 50, 95th percentile 79.5, largest 80; recommended limit 96; current limit 100.');
  });

  it('without a current limit draws no line for it', async () => {
    renderPage({ recommendation: { ...RECOMMENDATION, budget: { limit: null, unit: 'credits', policy: null } } });
    const chart = await drawn('recommendation-chart');
    expect(chart.querySelectorAll('.recharts-reference-line')).toHaveLength(2);
    expect(labels(chart)).toEqual(['p95 79.5', 'recommended 96']);
    expect(text('recommendation-value')).toBe('96 credits a day (now: no limit of its own)');
  });

  it('without a recommendation shows only the reason, and nothing to apply', async () => {
    renderPage({ recommendation: TOO_SHORT });
    const card = await screen.findByTestId('budget-recommendation');
    await within(card).findByTestId('recommendation-reason');
    expect(text('recommendation-reason')).toBe('No recommendation: needs 14 days of history since the first spend, has 3.');
    expect(screen.queryByTestId('recommendation-chart')).toBeNull();
    expect(screen.queryByTestId('recommendation-figures')).toBeNull();
    expect(within(card).queryByRole('button')).toBeNull();
  });

  it('offers nothing to apply without policy.write', async () => {
    renderPage({ canApply: false });
    const card = await screen.findByTestId('budget-recommendation');
    await drawn('recommendation-chart');
    expect(within(card).queryByRole('button', { name: 'Apply…' })).toBeNull();
    expect(within(card).queryByLabelText('Comment (optional)')).toBeNull();
  });

  it('applies exactly the value confirmed, with the comment, and reloads the page’s data', async () => {
    const { sent } = renderPage();
    const card = await screen.findByTestId('budget-recommendation');
    fireEvent.change(await within(card).findByLabelText('Comment (optional)'), { target: { value: '  after the launch ' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Apply…' }));
    const confirm = within(card).getByRole('dialog', { name: 'Set the daily limit of Web to 96 credits?' });
    expect(confirm.textContent).toContain('It is 100 credits now.');
    // Nothing is sent before the confirmation.
    expect(sent('ApplyBudgetRecommendation')).toHaveLength(0);
    const governanceAsked = sent('Governance').length;
    const recommendationAsked = sent('BudgetRecommendation').length;
    fireEvent.click(within(confirm).getByRole('button', { name: 'Set 96 credits a day' }));
    await waitFor(() => expect(sent('ApplyBudgetRecommendation')).toHaveLength(1));
    expect(sent('ApplyBudgetRecommendation')[0]!.variables).toEqual({ input: { org: 'demo', project: 'web', daily: 96, comment: 'after the launch' } });
    expect((await within(card).findByRole('status')).textContent).toBe('Applied: the daily limit of Web is now 96 credits (policy version web@4).');
    await waitFor(() => expect(sent('Governance').length).toBeGreaterThan(governanceAsked));
    await waitFor(() => expect(sent('BudgetRecommendation').length).toBeGreaterThan(recommendationAsked));
    expect(sent('BudgetRecommendation').at(-1)!.context.requestPolicy).toBe('network-only');
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('says the change waits for a second person when the organization’s policy asks for one', async () => {
    renderPage({
      apply: () => ({ data: { applyBudgetRecommendation: { versions: [], warnings: [], pendingProposal: { id: 'pch_1' } } } }),
    });
    const card = await screen.findByTestId('budget-recommendation');
    fireEvent.click(await within(card).findByRole('button', { name: 'Apply…' }));
    const confirm = within(card).getByRole('dialog', { name: 'Set the daily limit of Web to 96 credits?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Set 96 credits a day' }));
    expect((await within(card).findByRole('status')).textContent).toBe(
      'Proposed: the daily limit of Web becomes 96 credits once someone else with policy.write approves it (the Policy page lists it under “Proposed changes”).',
    );
  });

  it('keeps as it was when the confirmation is declined', async () => {
    const { sent } = renderPage();
    const card = await screen.findByTestId('budget-recommendation');
    fireEvent.click(await within(card).findByRole('button', { name: 'Apply…' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel' }));
    expect(within(card).queryByRole('dialog')).toBeNull();
    expect(sent('ApplyBudgetRecommendation')).toHaveLength(0);
  });

  it.each([
    ['FORBIDDEN', 'not allowed: policy.write in web'],
    ['CONFLICT', 'the recommendation is now 110 credits, not 96: look at it again before applying'],
  ])('shows a %s answer', async (code, message) => {
    const { sent } = renderPage({ apply: () => refused(code, message) });
    const card = await screen.findByTestId('budget-recommendation');
    fireEvent.click(await within(card).findByRole('button', { name: 'Apply…' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Set 96 credits a day' }));
    expect((await within(card).findByRole('alert')).textContent).toBe(`${message} ${code}`);
    expect(sent('ApplyBudgetRecommendation')[0]!.variables).toEqual({ input: { org: 'demo', project: 'web', daily: 96, comment: '' } });
    expect(within(card).queryByRole('status')).toBeNull();
  });
});
