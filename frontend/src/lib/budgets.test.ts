// Tests of the budget forecast and recommendation helpers: a budget's day starts at local
// midnight of its zone (23 and 25 hour days when the clocks change); the forecast chart's
// points run from 0 at the start of the day through now and the exhaustion to the reset; a
// forecast's outcome, method and confidence in words; a recommendation's chart in words.

import { describe, expect, it } from 'vitest';
import { forecast, recommendation } from '../test/budgets';
import { confidenceText, dailyBars, dayStartOf, forecastSeries, methodText, outcomeOf, projectedText, recommendationSummary } from './budgets';

const ms = (iso: string) => Date.parse(iso);

describe('dayStartOf', () => {
  it('is 24 hours before the reset on an ordinary day', () => {
    expect(dayStartOf({ resetsAt: '2026-12-04T00:00:00Z', timezone: 'UTC' })).toBe(ms('2026-12-03T00:00:00Z'));
    expect(dayStartOf({ resetsAt: '2026-12-03T23:00:00Z', timezone: 'Europe/Berlin' })).toBe(ms('2026-12-02T23:00:00Z'));
  });

  it('is local midnight on the days the clocks change', () => {
    // 29 March 2026: Berlin springs forward, a day of 23 hours.
    expect(dayStartOf({ resetsAt: '2026-03-29T22:00:00Z', timezone: 'Europe/Berlin' })).toBe(ms('2026-03-28T23:00:00Z'));
    // 25 October 2026: Berlin falls back, a day of 25 hours.
    expect(dayStartOf({ resetsAt: '2026-10-25T23:00:00Z', timezone: 'Europe/Berlin' })).toBe(ms('2026-10-24T22:00:00Z'));
  });

  it('takes 24 hours in a zone the browser does not know', () => {
    expect(dayStartOf({ resetsAt: '2026-12-04T00:00:00Z', timezone: 'Not/AZone' })).toBe(ms('2026-12-03T00:00:00Z'));
  });
});

describe('forecastSeries', () => {
  it('runs from 0 at the start of the day to spent and held now, then through the limit where it runs out to the projection', () => {
    const s = forecastSeries(forecast(), ms('2026-12-03T12:00:00Z'));
    expect(s.start).toBe(ms('2026-12-03T00:00:00Z'));
    expect(s.end).toBe(ms('2026-12-04T00:00:00Z'));
    expect(s.points).toEqual([
      { at: ms('2026-12-03T00:00:00Z'), spent: 0, forecast: null },
      { at: ms('2026-12-03T12:00:00Z'), spent: 50, forecast: 50 },
      { at: ms('2026-12-03T16:00:00Z'), spent: null, forecast: 100 },
      { at: ms('2026-12-04T00:00:00Z'), spent: null, forecast: 130 },
    ]);
  });

  it('goes straight to the reset when the limit holds, and keeps now within the day', () => {
    const lasts = forecast({ projected: 80.004, exhaustsAt: null });
    expect(forecastSeries(lasts, ms('2026-12-03T12:00:00Z')).points.map((p) => p.forecast)).toEqual([null, 50, 80]);
    // A browser clock past the reset (a page left open) draws no forecast beyond it.
    const late = forecastSeries(lasts, ms('2026-12-04T03:00:00Z'));
    expect(late.now).toBe(ms('2026-12-04T00:00:00Z'));
    expect(late.points).toHaveLength(2);
  });
});

describe('outcomeOf', () => {
  it('runs out at the forecast time, so long before the reset', () => {
    expect(outcomeOf(forecast())).toEqual({ kind: 'runs-out', at: '2026-12-03T16:00:00Z', secondsBefore: 8 * 3600 });
  });

  it('is used up when spent and held reach the limit', () => {
    expect(outcomeOf(forecast({ exhaustsAt: '2026-12-03T12:00:00Z' }, { spent: 90, reserved: 10 })).kind).toBe('used-up');
  });

  it('lasts without an exhaustion, and cannot run out without a limit', () => {
    expect(outcomeOf(forecast({ exhaustsAt: null, projected: 80 })).kind).toBe('lasts');
    expect(outcomeOf(forecast({ exhaustsAt: null }, { limit: null })).kind).toBe('no-limit');
  });
});

describe('words', () => {
  it('projects against the limit, or alone without one', () => {
    expect(projectedText(forecast())).toBe('130 of 100 credits (130 %)');
    expect(projectedText(forecast({ projected: 12.345 }, { limit: null }))).toBe('12.35 credits');
  });

  it('names the method and how far off it was', () => {
    expect(methodText('PROFILE', 12)).toBe('Hour-of-day profile of the last 14 days (12 with activity), scaled by how today compares with it so far');
    expect(methodText('LINEAR', 1)).toContain('The rate spent so far today');
    expect(confidenceText(forecast())).toBe('72 % (on past days it was off by 18 %, median)');
    expect(confidenceText({ confidence: 0.25, backtestError: null })).toBe('25 %');
  });
});

describe('recommendation', () => {
  const r = recommendation({
    reason: 'the 95th percentile of 3 days with 20% headroom',
    historyDays: 3,
    orgLimit: null,
    daily: [
      { day: '2026-11-30', spent: 40.004 },
      { day: '2026-12-01', spent: 50 },
      { day: '2026-12-02', spent: 80 },
    ],
  });

  it('draws each day to the hundredth', () => {
    expect(dailyBars(r)).toEqual([
      { day: '2026-11-30', spent: 40 },
      { day: '2026-12-01', spent: 50 },
      { day: '2026-12-02', spent: 80 },
    ]);
  });

  it('says what the chart shows', () => {
    const text = recommendationSummary(r);
    expect(text).toContain('Spend of each of 3 past days from ');
    expect(text).toContain('in credits: median 50, 95th percentile 79.5, largest 80; recommended limit 96; current limit 100.');
    expect(recommendationSummary({ ...r, budget: { ...r.budget, limit: null } })).toContain('no current limit of its own');
  });
});
