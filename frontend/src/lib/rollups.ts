// Pure helpers of the rollups dashboard: the range a preset or two dates ask for, a series added
// up for the summary (with the approval latency the range can be said to have), refusals by
// code, per-project rows sorted by a column, and the series as CSV.

import type { ProjectRollup, RollupGranularity, RollupPoint } from '../api/types';

export type Preset = '24h' | '7d' | '30d' | '90d' | 'custom';

export const PRESETS: readonly { value: Preset; label: string }[] = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'custom', label: 'Custom dates' },
];

export const isPreset = (value: string | null): value is Preset => PRESETS.some((p) => p.value === value);

/** What the rollup queries are asked for: `[from, to)` in UTC, one point per `granularity`. */
export interface Range {
  from: string;
  to: string;
  granularity: RollupGranularity;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The longest range the server answers, in days (by day; by hour it is 31). */
export const MAX_DAYS = 400;
/** A custom range this short is shown by hour: one or two points by day say little. */
const HOURLY_UP_TO_DAYS = 2;

/** An instant as the API's DateTime, without the zero milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * A preset's range at `now`. The last 24 hours run to the end of the current hour, by hour; the
 * last N days are N UTC days ending with today, by day. Both ends sit on period boundaries, so
 * the range (and the query) stays the same until the next period begins.
 */
export function presetRange(preset: Exclude<Preset, 'custom'>, now: Date): Range {
  const t = now.getTime();
  if (preset === '24h') {
    const to = Math.floor(t / HOUR) * HOUR + HOUR;
    return { from: iso(to - 24 * HOUR), to: iso(to), granularity: 'HOUR' };
  }
  const days = { '7d': 7, '30d': 30, '90d': 90 }[preset];
  const to = Math.floor(t / DAY) * DAY + DAY;
  return { from: iso(to - days * DAY), to: iso(to), granularity: 'DAY' };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The UTC days from `fromDate` through `toDate` (both `YYYY-MM-DD`, both included), by hour for
 * up to two days and by day beyond; or why the dates make no range.
 */
export function customRange(fromDate: string, toDate: string): Range | { error: string } {
  const from = DATE.test(fromDate) ? Date.parse(`${fromDate}T00:00:00Z`) : Number.NaN;
  const last = DATE.test(toDate) ? Date.parse(`${toDate}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(from) || Number.isNaN(last)) return { error: 'Choose both dates.' };
  if (last < from) return { error: 'The end date is before the start date.' };
  const to = last + DAY;
  const days = (to - from) / DAY;
  if (days > MAX_DAYS) return { error: `Choose at most ${MAX_DAYS} days.` };
  return { from: iso(from), to: iso(to), granularity: days <= HOURLY_UP_TO_DAYS ? 'HOUR' : 'DAY' };
}

/** The `YYYY-MM-DD` of a UTC instant (for the date inputs). */
export const utcDate = (value: string | number): string => new Date(value).toISOString().slice(0, 10);

/** The counters of a point, added up over a range. */
export interface Totals {
  plansProposed: number;
  plansSucceeded: number;
  plansFailed: number;
  plansCancelled: number;
  plansRejected: number;
  plansExpired: number;
  plansKilled: number;
  byHumans: number;
  byAgents: number;
  byIntegrations: number;
  stepsRun: number;
  stepsFailed: number;
  spend: number;
  refusals: number;
  approvals: number;
  chatMessages: number;
  chatSessions: number;
  killSwitchesEngaged: number;
  killSwitchSeconds: number;
}

const COUNTERS = [
  'plansProposed',
  'plansSucceeded',
  'plansFailed',
  'plansCancelled',
  'plansRejected',
  'plansExpired',
  'plansKilled',
  'byHumans',
  'byAgents',
  'byIntegrations',
  'stepsRun',
  'stepsFailed',
  'spend',
  'approvals',
  'chatMessages',
  'chatSessions',
  'killSwitchesEngaged',
  'killSwitchSeconds',
] as const satisfies readonly (keyof Totals & keyof RollupPoint)[];

export const refusalCount = (p: Pick<RollupPoint, 'refusals'>): number => p.refusals.reduce((n, r) => n + r.count, 0);

export function totalsOf(points: readonly RollupPoint[]): Totals {
  const t = Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Omit<Totals, 'refusals'>;
  for (const p of points) for (const k of COUNTERS) t[k] += p[k];
  return { ...t, spend: roundSpend(t.spend), refusals: points.reduce((n, p) => n + refusalCount(p), 0) };
}

/** Spend to the hundredth: sums of floats show no 0.30000000000000004. */
export const roundSpend = (n: number): number => Math.round(n * 100) / 100;

/**
 * Succeeded plans among those that finished running (succeeded, failed or killed), as a
 * fraction; null when none did. Rejected, expired and cancelled plans are not counted.
 */
export function successRate(t: Pick<Totals, 'plansSucceeded' | 'plansFailed' | 'plansKilled'>): number | null {
  const ran = t.plansSucceeded + t.plansFailed + t.plansKilled;
  return ran === 0 ? null : t.plansSucceeded / ran;
}

export interface Latency {
  p50: number;
  p95: number;
  /** False when estimated from several periods' quantiles. */
  exact: boolean;
}

/**
 * The approval latency of a range, in seconds. Quantiles of periods do not add up: with one
 * period that had approvals its own are exact; with several, each quantile is estimated as the
 * approvals-weighted quantile of the periods' values (the true one lies between the smallest and
 * the largest of them). Null when nothing was approved.
 */
export function rangeLatency(points: readonly RollupPoint[]): Latency | null {
  const periods = points.filter((p) => p.approvals > 0 && p.approvalLatencyP50Seconds != null && p.approvalLatencyP95Seconds != null);
  if (periods.length === 0) return null;
  const weighted = (q: number, value: (p: RollupPoint) => number) => {
    const sorted = [...periods].sort((a, b) => value(a) - value(b));
    const total = sorted.reduce((n, p) => n + p.approvals, 0);
    let seen = 0;
    for (const p of sorted) {
      seen += p.approvals;
      if (seen >= q * total) return value(p);
    }
    return value(sorted[sorted.length - 1]!);
  };
  return {
    p50: weighted(0.5, (p) => p.approvalLatencyP50Seconds!),
    p95: weighted(0.95, (p) => p.approvalLatencyP95Seconds!),
    exact: periods.length === 1,
  };
}

/** Refusals of the range by code, most first (then by code). */
export function refusalsByCode(points: readonly Pick<RollupPoint, 'refusals'>[]): { code: string; count: number }[] {
  const sums = new Map<string, number>();
  for (const p of points) for (const r of p.refusals) sums.set(r.code, (sums.get(r.code) ?? 0) + r.count);
  return [...sums].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** "45 s", "12 min", "1 h 5 min", "2 d 3 h". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
  const hours = Math.round(minutes / 60);
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${hours / 24} d`;
}

export type ProjectColumn = 'project' | 'plans' | 'succeeded' | 'failed' | 'spend' | 'refusals' | 'approvals';

/** How a per-project row reads: a project's name, or the organization's own activity. */
export const projectLabel = (r: ProjectRollup): string => r.project?.name ?? 'Organization (outside projects)';

const COLUMN_VALUE: Record<Exclude<ProjectColumn, 'project'>, (r: ProjectRollup) => number> = {
  plans: (r) => r.totals.plansProposed,
  succeeded: (r) => r.totals.plansSucceeded,
  failed: (r) => r.totals.plansFailed,
  spend: (r) => r.totals.spend,
  refusals: (r) => refusalCount(r.totals),
  approvals: (r) => r.totals.approvals,
};

/** Per-project rows sorted by a column; ties keep the server's order (largest spend first). */
export function sortProjects(rows: readonly ProjectRollup[], column: ProjectColumn, descending: boolean): ProjectRollup[] {
  const sign = descending ? -1 : 1;
  const compare =
    column === 'project'
      ? (a: ProjectRollup, b: ProjectRollup) => projectLabel(a).localeCompare(projectLabel(b))
      : (a: ProjectRollup, b: ProjectRollup) => COLUMN_VALUE[column](a) - COLUMN_VALUE[column](b);
  return rows
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => sign * compare(a, b) || i - j)
    .map(([r]) => r);
}

/** The columns of the CSV export, in order: every field of a point but the refusals. */
export const CSV_FIELDS = [
  'start',
  ...COUNTERS,
  'approvalLatencyP50Seconds',
  'approvalLatencyP95Seconds',
] as const satisfies readonly Exclude<keyof RollupPoint, 'refusals'>[];

/** A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function cell(value: string | number | null | undefined): string {
  const text = value == null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The series as CSV: a header, then one row per period with every field of the point, and one
 * `refusals_<CODE>` column per refusal code seen anywhere in the series (alphabetical; 0 where a
 * period had none). A latency of a period without approvals is an empty cell. CRLF line ends.
 */
export function rollupsCsv(points: readonly RollupPoint[]): string {
  const codes = [...new Set(points.flatMap((p) => p.refusals.map((r) => r.code)))].sort();
  const header = [...CSV_FIELDS, ...codes.map((c) => `refusals_${c}`)];
  const rows = points.map((p) => {
    const counts = new Map(p.refusals.map((r) => [r.code, r.count]));
    return [...CSV_FIELDS.map((f) => p[f]), ...codes.map((c) => counts.get(c) ?? 0)];
  });
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A range's end as it reads in a file name: the date at midnight UTC, else with the time. */
function stamp(value: string): string {
  const d = new Date(value).toISOString();
  return d.slice(11, 19) === '00:00:00' ? d.slice(0, 10) : `${d.slice(0, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}Z`;
}

/** `rollups-<org>-<from>-<to>.csv`, `to` being the range's exclusive end, as queried. */
export const csvFileName = (org: string, range: Pick<Range, 'from' | 'to'>): string =>
  `rollups-${org}-${stamp(range.from)}-${stamp(range.to)}.csv`;
