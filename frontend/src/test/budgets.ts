// Budget fixtures shared by the tests of the budget helpers and of the Limits page: a day's
// budget of 100 credits with 40 spent and 10 held, its forecast running out at 16:00 UTC, eight
// hours before the reset, and a recommended limit of 96 from 14 days; each takes overrides.

import type { Budget, BudgetForecast, BudgetRecommendation } from '../api/types';

export const budget = (over: Partial<Budget> = {}): Budget => ({
  limit: 100,
  unit: 'credits',
  timezone: 'UTC',
  policy: 'web-budget',
  day: '2026-12-03',
  spent: 40,
  reserved: 10,
  remaining: 50,
  resetsAt: '2026-12-04T00:00:00Z',
  alertAt: [0.8, 0.95],
  ...over,
});

/** A forecast of [`budget`] (changed by `over` and `budgetOver`) that runs out at 16:00 UTC. */
export function forecast(over: Partial<BudgetForecast> = {}, budgetOver: Partial<Budget> = {}): BudgetForecast {
  return {
    projected: 130,
    exhaustsAt: '2026-12-03T16:00:00Z',
    confidence: 0.72,
    method: 'PROFILE',
    historyDays: 12,
    backtestError: 0.18,
    message: 'exhausted at 16:00 UTC, 8 h before the reset',
    ...over,
    budget: budget(budgetOver),
  };
}

/** Past days' spend from 13 November on. */
export const days = (spent: number[]) => spent.map((s, i) => ({ day: `2026-11-${String(13 + i).padStart(2, '0')}`, spent: s }));

/** A recommendation of 96 credits a day from 14 days (p95 79.5), a current limit of 100. */
export function recommendation(over: Partial<BudgetRecommendation> = {}): BudgetRecommendation {
  return {
    budget: { limit: 100, unit: 'credits', policy: 'web-budget' },
    recommended: 96,
    reason: 'the 95th percentile of 14 days with 20% headroom',
    historyDays: 14,
    p50: 50,
    p95: 79.5,
    max: 80,
    headroom: 0.2,
    orgLimit: 500,
    daily: days([40, 45, 50, 55, 60, 50, 48, 52, 44, 80, 79, 51, 47, 49]),
    ...over,
  };
}
