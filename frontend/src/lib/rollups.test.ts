// Tests of the rollups dashboard's helpers: preset and custom ranges sit on period boundaries
// and respect the server's limits, totals and the success rate add up, the range's approval
// latency is exact for one period and weighted across several, refusals sum by code, rows sort
// by any column with stable ties, and the CSV has every field, a column per refusal code and
// quoted cells where needed.

import { describe, expect, it } from 'vitest';
import type { ProjectRollup } from '../api/types';
import { point } from '../test/rollups';
import {
  CSV_FIELDS,
  csvFileName,
  customRange,
  formatDuration,
  presetRange,
  rangeLatency,
  refusalsByCode,
  rollupsCsv,
  sortProjects,
  successRate,
  totalsOf,
} from './rollups';

describe('ranges', () => {
  const now = new Date('2026-12-03T14:25:10.123Z');

  it('the last 24 hours run by hour to the end of the current hour', () => {
    expect(presetRange('24h', now)).toEqual({ from: '2026-12-02T15:00:00Z', to: '2026-12-03T15:00:00Z', granularity: 'HOUR' });
    // On the boundary itself the hour just begun is included.
    expect(presetRange('24h', new Date('2026-12-03T15:00:00Z')).to).toBe('2026-12-03T16:00:00Z');
  });

  it('the last N days are N UTC days ending with today, by day', () => {
    expect(presetRange('7d', now)).toEqual({ from: '2026-11-27T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY' });
    expect(presetRange('30d', now).from).toBe('2026-11-04T00:00:00Z');
    expect(presetRange('90d', now)).toEqual({ from: '2026-09-05T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY' });
  });

  it('custom dates include both days: by hour up to two days, by day beyond', () => {
    expect(customRange('2026-12-01', '2026-12-01')).toEqual({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', granularity: 'HOUR' });
    expect(customRange('2026-12-01', '2026-12-02')).toMatchObject({ granularity: 'HOUR' });
    expect(customRange('2026-11-01', '2026-12-03')).toEqual({ from: '2026-11-01T00:00:00Z', to: '2026-12-04T00:00:00Z', granularity: 'DAY' });
  });

  it('custom dates that make no range say why', () => {
    expect(customRange('', '2026-12-01')).toEqual({ error: 'Choose both dates.' });
    expect(customRange('2026-12-02', '2026-12-01')).toEqual({ error: 'The end date is before the start date.' });
    expect(customRange('2025-01-01', '2026-12-01')).toEqual({ error: 'Choose at most 400 days.' });
    expect(customRange('2025-11-27', '2026-12-31')).toMatchObject({ granularity: 'DAY' });
  });
});

describe('totals', () => {
  const points = [
    point('2026-12-01T00:00:00Z', { plansProposed: 3, plansSucceeded: 2, plansFailed: 1, spend: 0.1, refusals: [{ code: 'RATE_LIMITED', count: 2 }] }),
    point('2026-12-02T00:00:00Z', { plansProposed: 4, plansSucceeded: 1, plansKilled: 1, spend: 0.2, killSwitchSeconds: 90, approvals: 2 }),
  ];

  it('adds every counter and rounds the spend', () => {
    const t = totalsOf(points);
    expect(t).toMatchObject({ plansProposed: 7, plansSucceeded: 3, plansFailed: 1, plansKilled: 1, spend: 0.3, refusals: 2, approvals: 2, killSwitchSeconds: 90 });
    expect(totalsOf([])).toMatchObject({ plansProposed: 0, spend: 0, refusals: 0 });
  });

  it('the success rate counts the plans that ran', () => {
    expect(successRate(totalsOf(points))).toBe(0.6);
    expect(successRate({ plansSucceeded: 0, plansFailed: 0, plansKilled: 0 })).toBeNull();
  });

  it('refusals sum by code, most first', () => {
    expect(
      refusalsByCode([
        { refusals: [{ code: 'RATE_LIMITED', count: 2 }, { code: 'BUDGET_EXCEEDED', count: 1 }] },
        { refusals: [{ code: 'DENIED', count: 3 }, { code: 'BUDGET_EXCEEDED', count: 2 }] },
        { refusals: [] },
      ]),
    ).toEqual([
      { code: 'BUDGET_EXCEEDED', count: 3 },
      { code: 'DENIED', count: 3 },
      { code: 'RATE_LIMITED', count: 2 },
    ]);
  });

  it('durations read in the largest fitting units', () => {
    expect([0, 45, 89, 720, 3600, 3900, 86_369, 86_400, 183_600].map(formatDuration)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '12 min',
      '1 h',
      '1 h 5 min',
      '23 h 59 min',
      '1 d',
      '2 d 3 h',
    ]);
  });
});

describe('rangeLatency', () => {
  const approved = (start: string, approvals: number, p50: number, p95: number) =>
    point(start, { approvals, approvalLatencyP50Seconds: p50, approvalLatencyP95Seconds: p95 });

  it('is null without approvals and exact with one period of them', () => {
    expect(rangeLatency([point('2026-12-01T00:00:00Z')])).toBeNull();
    expect(rangeLatency([point('2026-12-01T00:00:00Z'), approved('2026-12-02T00:00:00Z', 3, 60, 300)])).toEqual({ p50: 60, p95: 300, exact: true });
  });

  it('weights several periods by their approvals', () => {
    const points = [approved('2026-12-01T00:00:00Z', 1, 3600, 7200), approved('2026-12-02T00:00:00Z', 9, 30, 60), approved('2026-12-03T00:00:00Z', 10, 300, 900)];
    // p50: 9 of 20 approvals at ≤ 30 s is short of half; with 300 s, 19 of 20.
    // p95: 19 of 20 (95 %) at ≤ 900 s.
    expect(rangeLatency(points)).toEqual({ p50: 300, p95: 900, exact: false });
  });
});

describe('sortProjects', () => {
  const row = (slug: string | null, plans: number, spend: number, refusals: number): ProjectRollup => ({
    project: slug ? { id: `prj_${slug}`, slug, name: slug.toUpperCase() } : null,
    totals: point('2026-12-01T00:00:00Z', { plansProposed: plans, spend, refusals: refusals ? [{ code: 'DENIED', count: refusals }] : [] }),
  });
  const rows = [row('web', 5, 10, 0), row(null, 0, 0, 0), row('api', 5, 2, 3), row('ops', 9, 1, 1)];
  const names = (r: ProjectRollup[]) => r.map((x) => x.project?.slug ?? 'org');

  it('sorts by a number either way, ties in the server’s order', () => {
    expect(names(sortProjects(rows, 'plans', true))).toEqual(['ops', 'web', 'api', 'org']);
    expect(names(sortProjects(rows, 'plans', false))).toEqual(['org', 'web', 'api', 'ops']);
    expect(names(sortProjects(rows, 'refusals', true))).toEqual(['api', 'ops', 'web', 'org']);
  });

  it('sorts by name, the organization’s own row under its label', () => {
    expect(names(sortProjects(rows, 'project', false))).toEqual(['api', 'ops', 'org', 'web']);
  });
});

describe('rollupsCsv', () => {
  it('has a row per period with every field and a column per refusal code', () => {
    const csv = rollupsCsv([
      point('2026-12-01T00:00:00Z', {
        plansProposed: 2,
        spend: 1.5,
        approvals: 1,
        approvalLatencyP50Seconds: 60,
        approvalLatencyP95Seconds: 300,
        refusals: [{ code: 'RATE_LIMITED', count: 2 }],
      }),
      point('2026-12-02T00:00:00Z', { killSwitchSeconds: 30, refusals: [{ code: 'DENIED', count: 1 }] }),
    ]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[0]).toBe(`${CSV_FIELDS.join(',')},refusals_DENIED,refusals_RATE_LIMITED`);
    expect(lines[0]!.split(',')).toHaveLength(21 + 2);
    expect(lines[1]).toBe('2026-12-01T00:00:00Z,2,0,0,0,0,0,0,0,0,0,0,0,1.5,1,0,0,0,0,60,300,0,2');
    // No approvals: the latencies are empty cells.
    expect(lines[2]).toBe('2026-12-02T00:00:00Z,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,30,,,1,0');
  });

  it('quotes a cell with a comma or a quote', () => {
    const header = rollupsCsv([point('2026-12-01T00:00:00Z', { refusals: [{ code: 'A,"B"', count: 1 }] })]).split('\r\n')[0]!;
    expect(header.endsWith(',"refusals_A,""B"""')).toBe(true);
  });

  it('is a header alone for no periods', () => {
    expect(rollupsCsv([])).toBe(`${CSV_FIELDS.join(',')}\r\n`);
  });

  it('is named after the org and the range', () => {
    expect(csvFileName('demo', { from: '2026-11-27T00:00:00Z', to: '2026-12-04T00:00:00Z' })).toBe('rollups-demo-2026-11-27-2026-12-04.csv');
    expect(csvFileName('demo', { from: '2026-12-02T15:00:00Z', to: '2026-12-03T15:00:00Z' })).toBe('rollups-demo-2026-12-02T1500Z-2026-12-03T1500Z.csv');
  });
});
