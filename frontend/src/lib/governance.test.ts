// Tests of reading governance JSON and laying windows on a week.

import { describe, expect, it } from 'vitest';
import { describeLimit, readGovernance, weekSegments } from './governance';

describe('weekSegments', () => {
  it('places a weekday window on its days', () => {
    const s = weekSegments({ days: ['mon', 'fri'], from: '08:00', to: '20:00' });
    expect(s).toEqual([
      { day: 'mon', start: 480, end: 1200 },
      { day: 'fri', start: 480, end: 1200 },
    ]);
  });

  it('carries a window past midnight into the next day, Sunday into Monday', () => {
    expect(weekSegments({ days: ['sun'], from: '22:00', to: '02:30' })).toEqual([
      { day: 'sun', start: 1320, end: 1440 },
      { day: 'mon', start: 0, end: 150 },
    ]);
  });

  it('treats no days as every day and ignores malformed times', () => {
    expect(weekSegments({ days: [], from: '00:00', to: '24:00' })).toHaveLength(7);
    expect(weekSegments({ days: ['mon'], from: 'nine', to: '17:00' })).toEqual([]);
  });
});

describe('readGovernance', () => {
  it('reads the effective policy JSON into rows with their origin', () => {
    const g = readGovernance({
      limits: [{ level: 'project', policy: 'payments-strict', limit: { name: 'payment-deploys', actions: ['deploy.*'], perMinute: 2, perHour: 10, scope: 'project' } }],
      budgets: [{ level: 'org', policy: 'demo-baseline', budget: { daily: 100, unit: 'credits', timezone: 'Europe/Berlin', alertAt: [0.8, 0.95] } }],
      windows: [],
      autonomy: { mode: 'off' },
    });
    expect(g.limits[0]).toMatchObject({ name: 'payment-deploys', level: 'project', perMinute: 2, perHour: 10, perDay: null });
    expect(describeLimit(g.limits[0]!)).toBe('2/min, 10/h');
    expect(g.budgets[0]).toMatchObject({ daily: 100, unit: 'credits', alertAt: [0.8, 0.95] });
    expect(g.blackouts).toEqual([]);
    expect(g.autonomy).toEqual({ mode: 'off' });
  });
});
