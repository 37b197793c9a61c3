// Budget forecasts and recommended daily limits, the part without React: when a budget's day
// started, the points of a forecast's chart, a forecast's outcome and method in words, and a
// recommendation's evidence as text (the charts' text alternatives).

import type { Budget, BudgetForecast, BudgetRecommendation, ForecastMethod } from '../api/types';
import { formatTime } from './format';
import { percent } from './gauge';
import { formatDuration, roundSpend } from './rollups';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How far the wall clock of `timeZone` is ahead of UTC at `at`, in ms (0 for a zone the browser does not know). */
export function zoneOffsetMs(at: number, timeZone: string): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(at));
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
    return wall - Math.floor(at / 1000) * 1000;
  } catch {
    return 0;
  }
}

/**
 * When the budget's day started (ms): local midnight before `resetsAt` in the budget's time
 * zone. A day is 24 hours except when the clocks change, when it is 23 or 25.
 */
export function dayStartOf(budget: Pick<Budget, 'resetsAt' | 'timezone'>): number {
  const reset = Date.parse(budget.resetsAt);
  const guess = reset - DAY_MS;
  return guess + zoneOffsetMs(reset, budget.timezone) - zoneOffsetMs(guess, budget.timezone);
}

/** A point of a forecast's chart: spent and held so far (up to now), or the forecast (from now on). */
export interface ForecastPoint {
  /** ms since the epoch. */
  at: number;
  spent: number | null;
  forecast: number | null;
}

/** A forecast's chart: the day's bounds, now (within them), and its points in time order. */
export interface ForecastSeries {
  start: number;
  end: number;
  now: number;
  points: ForecastPoint[];
}

/**
 * The chart of a forecast at `now`: spent and held from 0 at the start of the day to now, then
 * the forecast from there to the reset, through the limit when it runs out before. The API
 * gives only these totals, not the path between them, so straight lines join them.
 */
export function forecastSeries(f: BudgetForecast, now: number): ForecastSeries {
  const start = dayStartOf(f.budget);
  const end = Date.parse(f.budget.resetsAt);
  const at = Math.min(Math.max(now, start), end);
  const committed = roundSpend(f.budget.spent + f.budget.reserved);
  const points: ForecastPoint[] = [{ at: start, spent: 0, forecast: null }];
  if (at > start) points.push({ at, spent: committed, forecast: committed });
  else points[0] = { at: start, spent: committed, forecast: committed };
  const exhausts = f.exhaustsAt ? Date.parse(f.exhaustsAt) : null;
  if (exhausts !== null && f.budget.limit !== null && exhausts > at && exhausts < end) {
    points.push({ at: exhausts, spent: null, forecast: f.budget.limit });
  }
  if (end > at) points.push({ at: end, spent: null, forecast: roundSpend(f.projected) });
  return { start, end, now: at, points };
}

/** What the forecast says of the day's end. */
export type Outcome =
  /** Spent and held already reach the limit. */
  | { kind: 'used-up' }
  /** The limit is reached at `at`, `secondsBefore` the reset. */
  | { kind: 'runs-out'; at: string; secondsBefore: number }
  /** The limit holds until the reset. */
  | { kind: 'lasts' }
  /** No limit to run out of. */
  | { kind: 'no-limit' };

export function outcomeOf(f: BudgetForecast): Outcome {
  const { limit, spent, reserved, resetsAt } = f.budget;
  if (limit === null) return { kind: 'no-limit' };
  if (spent + reserved >= limit) return { kind: 'used-up' };
  if (f.exhaustsAt) return { kind: 'runs-out', at: f.exhaustsAt, secondsBefore: Math.max(0, (Date.parse(resetsAt) - Date.parse(f.exhaustsAt)) / 1000) };
  return { kind: 'lasts' };
}

/** "72 of 100 credits (72 %)", or "72 credits" without a limit. */
export function projectedText(f: BudgetForecast): string {
  const { limit, unit } = f.budget;
  const projected = roundSpend(f.projected);
  return limit === null ? `${projected} ${unit}` : `${projected} of ${limit} ${unit} (${percent(limit > 0 ? f.projected / limit : Infinity)})`;
}

/** The forecast's chart in words, for assistive technology. */
export function forecastSummary(f: BudgetForecast, outcome: Outcome, now: number): string {
  const s = forecastSeries(f, now);
  const spentNow = s.points.find((p) => p.at === s.now)?.spent ?? 0;
  return (
    `Spent and held so far today: ${spentNow} ${f.budget.unit}; forecast by the reset at ${formatTime(f.budget.resetsAt)}: ${projectedText(f)}` +
    (outcome.kind === 'runs-out' ? `; runs out at ${formatTime(outcome.at)}.` : '.')
  );
}

/** How the forecast was made, in words. */
export function methodText(method: ForecastMethod, historyDays: number): string {
  return method === 'PROFILE'
    ? `Hour-of-day profile of the last 14 days (${historyDays} with activity), scaled by how today compares with it so far`
    : 'The rate spent so far today, continued to the reset (too little spending in the last 14 days for an hour-of-day profile)';
}

/** "72 %", and how far off the method was on past days when it was tested on them. */
export function confidenceText(f: Pick<BudgetForecast, 'confidence' | 'backtestError'>): string {
  const base = percent(f.confidence);
  return f.backtestError === null ? base : `${base} (on past days it was off by ${percent(f.backtestError)}, median)`;
}

/** "8 h before the reset". */
export const beforeReset = (seconds: number): string => `${formatDuration(seconds)} before the reset`;

/** A ledger day (`YYYY-MM-DD`, a date of the budget's zone) as "Nov 3"; with its year when `long`. */
export function dayLabel(day: string, long = false): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString(undefined, { year: long ? 'numeric' : undefined, month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** "20 %": headroom is a fraction added to the 95th percentile. */
export const headroomText = (headroom: number): string => `${Math.round(headroom * 100)} %`;

/** The recommendation chart's bars: each past day's spend, oldest first, to the hundredth. */
export const dailyBars = (r: Pick<BudgetRecommendation, 'daily'>): { day: string; spent: number }[] =>
  r.daily.map((d) => ({ day: d.day, spent: roundSpend(d.spent) }));

/** The recommendation chart in words, for assistive technology. */
export function recommendationSummary(r: BudgetRecommendation): string {
  const { unit, limit } = r.budget;
  const first = r.daily[0];
  const last = r.daily[r.daily.length - 1];
  const span = first && last ? ` from ${dayLabel(first.day, true)} to ${dayLabel(last.day, true)}` : '';
  const parts = [
    `Spend of each of ${r.daily.length} past days${span}, in ${unit}: median ${roundSpend(r.p50)}, 95th percentile ${roundSpend(r.p95)}, largest ${roundSpend(r.max)}`,
  ];
  if (r.recommended !== null) parts.push(`recommended limit ${r.recommended}`);
  parts.push(limit === null ? 'no current limit of its own' : `current limit ${limit}`);
  return `${parts.join('; ')}.`;
}
