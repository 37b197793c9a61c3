// Budget fixtures shared by the tests of the budget helpers and of the Limits page: a day's
// budget of 100 credits with 40 spent and 10 held, and its forecast running out at 16:00 UTC,
// eight hours before the reset; each takes overrides.

import type { Budget, BudgetForecast } from '../api/types';

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
